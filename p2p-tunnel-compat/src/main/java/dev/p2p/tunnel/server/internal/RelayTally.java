package dev.p2p.tunnel.server.internal;

import dev.p2p.tunnel.server.RelayManager;

/**
 * Counts what one session relays and reports it to the {@link RelayManager} once per run of frames
 * of the same connection (at most once per read batch in bulk), instead of per frame: each report
 * takes four atomic updates and a clock read, which per 1 KiB frame were a visible part of the
 * server's time. The counts reach the manager before the frames reach their target (the session
 * flushes this before handing the batch over), so no reader sees data delivered but not counted.
 * Event loop of the session only.
 */
final class RelayTally {
  private final RelayManager relay;
  private long connectionId = -1;
  private long packets;
  private long bytes;

  RelayTally(RelayManager relay) {
    this.relay = relay;
  }

  void relayed(long id, int payload) {
    if (id != connectionId) {
      flush();
      connectionId = id;
    }
    packets++;
    bytes += payload;
  }

  void flush() {
    if (packets > 0) {
      relay.recordRelayed(connectionId, packets, bytes);
      packets = 0;
      bytes = 0;
    }
  }
}
