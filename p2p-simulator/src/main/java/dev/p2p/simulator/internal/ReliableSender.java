package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The sending half of a reliable stream: sequence numbers, a flow-control window from the receiver,
 * cumulative acknowledgements, and retransmission on timeout. Messages beyond the window wait in
 * {@code pending} with their send future incomplete: that is the back-pressure.
 */
final class ReliableSender {
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private final SimConnection conn;
  private final ArrayDeque<Outgoing> pending = new ArrayDeque<>(1);
  private final ArrayDeque<Outgoing> unacked = new ArrayDeque<>(1);
  private long nextSeq;
  private long unackedBytes;
  private long peerWindow;
  private long ackedThrough = -1;
  private long windowSentAt = -1;
  private final Event timer = new RetransmissionTimer();
  private long closeDeadline = Long.MAX_VALUE;

  ReliableSender(SimConnection conn) {
    this.conn = conn;
    this.peerWindow = conn.receiveCapacity;
  }

  private static final class Outgoing {
    final long seq;
    final byte[] payload;
    final boolean fin;
    long lastSent;
    boolean retransmitted;
    boolean selectivelyAcked;
    CompletableFuture<Void> future;

    Outgoing(long seq, byte[] payload, boolean fin) {
      this.seq = seq;
      this.payload = payload;
      this.fin = fin;
    }
  }

  CompletableFuture<Void> send(byte[] payload) {
    Outgoing o = new Outgoing(nextSeq++, payload, false);
    if (pending.isEmpty() && fits(o)) {
      conn.accepted(payload.length);
      transmit(o);
      return DONE;
    }
    o.future = new CompletableFuture<>();
    pending.add(o);
    return o.future;
  }

  /** Queues the FIN after everything pending; gives up on it at {@code deadline}. */
  void sendFin(long deadline) {
    closeDeadline = deadline;
    Outgoing fin = new Outgoing(nextSeq++, new byte[0], true);
    if (pending.isEmpty() && fits(fin)) {
      transmit(fin);
    } else {
      pending.add(fin);
    }
  }

  private boolean fits(Outgoing o) {
    return unackedBytes + o.payload.length <= peerWindow;
  }

  private void transmit(Outgoing o) {
    o.lastSent = conn.core.now();
    unacked.add(o);
    unackedBytes += o.payload.length;
    conn.emit(dataPacket(o));
    armTimer(conn.rtt.rto());
  }

  private Packet dataPacket(Outgoing o) {
    Packet p = conn.packet(Packet.DATA);
    p.seq = o.seq;
    p.payload = o.payload;
    p.fin = o.fin;
    return p;
  }

  void onAck(Packet ack) {
    boolean finAcked = false;
    if (ack.cumulativeAck > ackedThrough) {
      Outgoing last = null;
      while (!unacked.isEmpty() && unacked.peekFirst().seq <= ack.cumulativeAck) {
        last = unacked.pollFirst();
        unackedBytes -= last.payload.length;
        finAcked |= last.fin;
      }
      if (last != null && !last.retransmitted) {
        conn.rtt.sample(conn.core.now() - last.lastSent);
      }
      ackedThrough = ack.cumulativeAck;
      conn.rtt.progressed();
    }
    if (ack.sackRanges != null) {
      markSelectivelyAcked(ack.sackRanges);
    }
    if (ack.sentAt >= windowSentAt) {
      windowSentAt = ack.sentAt;
      peerWindow = ack.window;
    }
    flush();
    if (unacked.isEmpty() && pending.isEmpty()) {
      conn.core.cancel(timer); // RFC 6298 5.2: nothing outstanding, no timer
    }
    if (finAcked) {
      conn.finAcknowledged();
    }
  }

  private void markSelectivelyAcked(long[] ranges) {
    for (Outgoing o : unacked) {
      if (o.seq > ranges[ranges.length - 1]) {
        return;
      }
      for (int i = 0; i < ranges.length; i += 2) {
        if (o.seq >= ranges[i] && o.seq <= ranges[i + 1]) {
          o.selectivelyAcked = true;
          break;
        }
      }
    }
  }

  private void flush() {
    while (!pending.isEmpty() && fits(pending.peekFirst())) {
      Outgoing o = pending.pollFirst();
      transmit(o);
      if (o.future != null) {
        conn.accepted(o.payload.length);
        o.future.complete(null);
      }
    }
  }

  private void armTimer(long delay) {
    if (!timer.queued()) {
      conn.core.schedule(timer, Math.min(delay, closeDeadline - conn.core.now()));
    }
  }

  /** One per sender, re-queued rather than allocated per arming. */
  private final class RetransmissionTimer extends Event {
    @Override
    protected void run() {
      onTimer();
    }
  }

  private void onTimer() {
    if (!conn.open()) {
      return;
    }
    long now = conn.core.now();
    if (now >= closeDeadline) {
      conn.closeTimedOut();
      return;
    }
    long rto = conn.rtt.rto();
    if (unacked.isEmpty()) {
      if (!pending.isEmpty()) {
        // The window is shut and its reopening may have been lost: ask again.
        conn.emit(conn.packet(Packet.PROBE));
        conn.rtt.timedOut();
        armTimer(conn.rtt.rto());
      }
      return;
    }
    long due = unacked.peekFirst().lastSent + rto;
    if (due > now) {
      armTimer(due - now);
      return;
    }
    for (Outgoing o : unacked) {
      if (!o.selectivelyAcked && o.lastSent + rto <= now) {
        o.lastSent = now;
        o.retransmitted = true;
        conn.retransmissions++;
        conn.emit(dataPacket(o));
      }
    }
    conn.rtt.timedOut();
    armTimer(conn.rtt.rto());
  }

  void failPending(ConnectionClosedException why) {
    Outgoing o;
    while ((o = pending.poll()) != null) {
      if (o.future != null) {
        o.future.completeExceptionally(why);
      }
    }
    unacked.clear();
    unackedBytes = 0;
    conn.core.cancel(timer);
  }
}
