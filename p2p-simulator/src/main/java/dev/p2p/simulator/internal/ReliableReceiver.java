package dev.p2p.simulator.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The receiving half of a reliable stream: drops duplicates, holds early messages until the gap
 * before them fills, and acknowledges cumulatively with the free receive window plus up to {@link
 * #MAX_SACK_RANGES} ranges of early messages, so the sender resends only the holes.
 * Acknowledgements are coalesced: one per burst of packets arriving at the same instant.
 */
final class ReliableReceiver {
  private final SimConnection conn;
  static final int MAX_SACK_RANGES = 64; // QUIC ACK frames carry many ranges too

  // Sorted, so the selective-acknowledgement ranges fall out of one walk.
  private final TreeMap<Long, Packet> early = new TreeMap<>();
  private long earlyBytes;
  private long expected;
  private final Event ackTimer = new AckTimer();
  private long advertised;

  ReliableReceiver(SimConnection conn) {
    this.conn = conn;
    this.advertised = conn.receiveCapacity;
  }

  void onData(Packet p) {
    if (p.seq < expected) {
      scheduleAck(); // a duplicate: our acknowledgement was probably lost
      return;
    }
    if (p.seq == expected) {
      accept(p);
      Packet next;
      while ((next = early.remove(expected)) != null) {
        earlyBytes -= next.payloadSize();
        accept(next);
      }
    } else if (!early.containsKey(p.seq)) {
      early.put(p.seq, p);
      earlyBytes += p.payloadSize();
    }
    scheduleAck();
  }

  private void accept(Packet p) {
    expected++;
    if (p.fin) {
      sendAck(); // at once: the connection finishes before a coalesced ack would run
      conn.remoteFinished();
    } else {
      conn.deliver(p.payload, p.seq);
    }
  }

  void scheduleAck() {
    if (!ackTimer.queued() && conn.open()) {
      conn.core.schedule(ackTimer, 0);
    }
  }

  /** One per receiver, re-queued rather than allocated per acknowledgement. */
  private final class AckTimer extends Event {
    @Override
    protected void run() {
      if (conn.open()) {
        sendAck();
      }
    }
  }

  private void sendAck() {
    Packet ack = conn.packet(Packet.ACK);
    ack.cumulativeAck = expected - 1;
    ack.window = freeWindow();
    ack.sackRanges = early.isEmpty() ? null : sackRanges();
    advertised = ack.window;
    conn.emit(ack);
  }

  /** [start, end] pairs of the first early runs, lowest first. */
  private long[] sackRanges() {
    long[] ranges = new long[2 * MAX_SACK_RANGES];
    int n = 0;
    for (Map.Entry<Long, Packet> e : early.entrySet()) {
      long seq = e.getKey();
      if (n > 0 && ranges[n - 1] == seq - 1) {
        ranges[n - 1] = seq;
      } else if (n < ranges.length) {
        ranges[n++] = seq;
        ranges[n++] = seq;
      } else {
        break;
      }
    }
    return Arrays.copyOf(ranges, n);
  }

  private long freeWindow() {
    return Math.max(0, conn.receiveCapacity - conn.bufferedBytes() - earlyBytes);
  }

  /** The application read something: reopen a window that looked nearly shut to the sender. */
  void windowOpened() {
    if (advertised < conn.receiveCapacity / 2 && freeWindow() >= conn.receiveCapacity / 2) {
      scheduleAck();
    }
  }
}
