package dev.p2p.simulator.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * The receiving half of {@link ReliableStream}: duplicates dropped, early messages held until the
 * gap before them fills, one acknowledgement per burst of packets arriving at the same instant,
 * each echoing the instant of the transmission that advanced us. The bottom of the one object per
 * connection end, so it is also the event that end queues ({@link #wakeAt}).
 */
abstract class ReliableReceiver extends EndState {
  static final int MAX_SACK_RANGES = 64; // QUIC ACK frames carry many ranges too

  private TreeMap<Long, Packet> early; // sorted, so SACK ranges fall out of one walk; rarely needed
  private long earlyBytes;
  boolean finReceived;

  ReliableReceiver(SimCore core, long receiveCapacity, PeerSlot local, PeerSlot remote, long id) {
    super(core, receiveCapacity, local, remote, id);
    this.advertised = receiveCapacity;
  }

  /** What the stream needs from its connection. */
  abstract Packet packet(int kind);

  abstract void emit(Packet p);

  abstract boolean open();

  abstract void deliver(byte[] message, long seq);

  abstract long bufferedBytes();

  /** The peer's FIN arrived, after all its data. */
  abstract void remoteFinished();

  // ---- receiving ---------------------------------------------------------------------------

  void onData(Packet p) {
    if (p.seq < expected) {
      // A duplicate: our acknowledgement was probably lost, and this is the retransmission that
      // the sender will time when the answer arrives.
      if (echo < 0) {
        echo = p.sentAt;
      }
      scheduleAck();
      return;
    }
    if (p.seq == expected) {
      if (echo < 0) {
        echo = p.sentAt;
      }
      accept(p);
      if (early != null) {
        Packet next;
        while ((next = early.remove(expected)) != null) {
          earlyBytes -= next.payloadSize();
          accept(next);
        }
      }
    } else {
      if (early == null) {
        early = new TreeMap<>();
      }
      if (!early.containsKey(p.seq)) {
        early.put(p.seq, p);
        earlyBytes += p.payloadSize();
      }
    }
    scheduleAck();
  }

  private void accept(Packet p) {
    expected++;
    if (p.fin) {
      finReceived = true;
      sendAck(); // at once: the connection finishes before a coalesced ack would run
      remoteFinished();
    } else {
      deliver(p.payload, p.seq);
    }
  }

  void scheduleAck() {
    if (!ackWanted && open()) {
      ackWanted = true;
      wakeAt(core.now());
    }
  }

  final void sendAck() {
    Packet ack = packet(Packet.ACK);
    ack.cumulativeAck = expected - 1;
    ack.window = freeWindow();
    ack.sackRanges = early == null || early.isEmpty() ? null : sackRanges();
    ack.echo = echo;
    echo = -1;
    advertised = ack.window;
    emit(ack);
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
    return Math.max(0, receiveCapacity - bufferedBytes() - earlyBytes);
  }

  /** The application read something: reopen a window that looked nearly shut to the sender. */
  void windowOpened() {
    if (advertised < receiveCapacity / 2 && freeWindow() >= receiveCapacity / 2) {
      scheduleAck();
    }
  }

  /** Queues this end's event at {@code at}, unless it is already queued no later. */
  final void wakeAt(long at) {
    if (queued()) {
      if (time <= at) {
        return;
      }
      core.cancel(this);
    }
    core.schedule(this, at - core.now());
  }
}
