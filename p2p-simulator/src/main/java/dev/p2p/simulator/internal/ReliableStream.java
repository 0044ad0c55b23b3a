package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import java.util.concurrent.CompletableFuture;

/**
 * Reliable, ordered delivery for one connection end. Sending: sequence numbers, a flow-control
 * window from the receiver, cumulative and selective acknowledgements, retransmission on an RFC
 * 6298 timeout; messages beyond the window wait with their send future incomplete, which is the
 * back-pressure. Receiving ({@link ReliableReceiver}): duplicates dropped, early messages held
 * until the gap before them fills, one acknowledgement per burst of packets arriving at the same
 * instant.
 *
 * <p>RTT samples exclude waiting time, as TCP's do with timestamps (RFC 7323): every data packet
 * carries the instant it was (re)sent, the acknowledgement echoes the instant of the transmission
 * that advanced the receiver, and the sender samples only acknowledgements that newly acknowledge
 * data (Karn's rule: never a duplicate or window-only one, and never one whose echo is missing).
 * Without the echo, the acknowledgement that fills a hole also covers every later message held
 * behind it, and timing those from their first transmission counted the whole wait for the hole: at
 * 30% loss that reported four times the link's RTT.
 *
 * <p>Why one class that {@link SimConnection} extends, and why it is its own timer: at 10,000 peers
 * the state a message touches has long left the cache, and each object on the way from a packet to
 * that state is another dependent wait for memory (~200 ns on our machine, see
 * benchmarks/RESULTS.md). Sender, receiver, RTT estimator and timer used to be five objects; as
 * one, a message costs one walk to its connection. The queued event is the earliest of the two
 * deadlines: a coalesced acknowledgement (due now) and the retransmission timeout.
 */
abstract class ReliableStream extends ReliableReceiver {
  /** The answer to a send accepted at once. */
  static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  private static final long RTT_GRANULARITY = 1_000_000L; // 1 ms
  private static final long MAX_RTO = 60_000_000_000L;

  // ---- sending: sent and unacknowledged (linked through Outgoing.next), then waiting for window
  private Outgoing pendingTail;

  // ---- RFC 6298 estimator
  private final long initialRto;

  long retransmissions;

  ReliableStream(
      SimCore core,
      long receiveCapacity,
      long nominalRtt,
      PeerSlot local,
      PeerSlot remote,
      long id) {
    super(core, receiveCapacity, local, remote, id);
    this.peerWindow = receiveCapacity;
    // Before the first sample, assume a little worse than the link promises.
    this.initialRto = Math.max(3 * nominalRtt, 10 * RTT_GRANULARITY);
  }

  /** What the sending side needs from its connection, beyond what the receiver does. */
  abstract void accepted(int size);

  /** Our FIN was acknowledged: everything we sent arrived. */
  abstract void finAcknowledged();

  /** The FIN went unacknowledged until the close deadline. */
  abstract void closeTimedOut();

  static final class Outgoing {
    final long seq;
    final byte[] payload;
    final boolean fin;
    long lastSent;
    boolean selectivelyAcked;
    CompletableFuture<Void> future;
    Outgoing next;

    Outgoing(long seq, byte[] payload, boolean fin) {
      this.seq = seq;
      this.payload = payload;
      this.fin = fin;
    }
  }

  // ---- sending -----------------------------------------------------------------------------

  CompletableFuture<Void> sendReliable(byte[] payload) {
    Outgoing o = new Outgoing(nextSeq++, payload, false);
    if (pendingHead == null && fits(o)) {
      accepted(payload.length);
      transmit(o);
      return DONE;
    }
    o.future = new CompletableFuture<>();
    appendPending(o);
    return o.future;
  }

  /** Queues the FIN after everything pending; gives up on it at {@code deadline}. */
  void sendFin(long deadline) {
    closeDeadline = deadline;
    Outgoing fin = new Outgoing(nextSeq++, new byte[0], true);
    if (pendingHead == null && fits(fin)) {
      transmit(fin);
    } else {
      appendPending(fin);
    }
  }

  private void appendPending(Outgoing o) {
    if (pendingTail == null) {
      pendingHead = o;
    } else {
      pendingTail.next = o;
    }
    pendingTail = o;
  }

  private boolean fits(Outgoing o) {
    return unackedBytes + o.payload.length <= peerWindow;
  }

  private void transmit(Outgoing o) {
    o.lastSent = core.now();
    o.next = null;
    if (unackedTail == null) {
      unackedHead = o;
    } else {
      unackedTail.next = o;
    }
    unackedTail = o;
    unackedBytes += o.payload.length;
    emit(dataPacket(o));
    armRetransmission(rto());
  }

  private Packet dataPacket(Outgoing o) {
    Packet p = packet(Packet.DATA);
    p.seq = o.seq;
    p.payload = o.payload;
    p.fin = o.fin;
    return p;
  }

  void onAck(Packet ack) {
    boolean finAcked = false;
    if (ack.cumulativeAck > ackedThrough) {
      while (unackedHead != null && unackedHead.seq <= ack.cumulativeAck) {
        Outgoing last = unackedHead;
        unackedHead = last.next;
        unackedBytes -= last.payload.length;
        finAcked |= last.fin;
      }
      if (unackedHead == null) {
        unackedTail = null;
      }
      if (ack.echo >= 0) {
        sampleRtt(core.now() - ack.echo);
      }
      ackedThrough = ack.cumulativeAck;
      backoff = 0;
    }
    if (ack.sackRanges != null) {
      markSelectivelyAcked(ack.sackRanges);
    }
    if (ack.sentAt >= windowSentAt) {
      windowSentAt = ack.sentAt;
      peerWindow = ack.window;
    }
    flush();
    if (unackedHead == null && pendingHead == null) {
      disarmRetransmission(); // RFC 6298 5.2: nothing outstanding, no timer
    }
    if (finAcked) {
      finAcknowledged();
    }
  }

  private void markSelectivelyAcked(long[] ranges) {
    for (Outgoing o = unackedHead; o != null; o = o.next) {
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
    while (pendingHead != null && fits(pendingHead)) {
      Outgoing o = pendingHead;
      pendingHead = o.next;
      if (pendingHead == null) {
        pendingTail = null;
      }
      transmit(o);
      if (o.future != null) {
        accepted(o.payload.length);
        o.future.complete(null);
      }
    }
  }

  private void onRetransmissionTimeout() {
    long now = core.now();
    if (now >= closeDeadline) {
      closeTimedOut();
      return;
    }
    long rto = rto();
    if (unackedHead == null) {
      if (pendingHead != null) {
        // The window is shut and its reopening may have been lost: ask again.
        emit(packet(Packet.PROBE));
        backoff = Math.min(backoff + 1, 20);
        armRetransmission(rto());
      }
      return;
    }
    long due = unackedHead.lastSent + rto;
    if (due > now) {
      armRetransmission(due - now);
      return;
    }
    for (Outgoing o = unackedHead; o != null; o = o.next) {
      if (!o.selectivelyAcked && o.lastSent + rto <= now) {
        o.lastSent = now;
        retransmissions++;
        emit(dataPacket(o));
      }
    }
    backoff = Math.min(backoff + 1, 20);
    armRetransmission(rto());
  }

  /** Messages accepted by send and sent, but not yet acknowledged (the FIN not counted). */
  final long unacknowledgedMessages() {
    long n = 0;
    for (Outgoing o = unackedHead; o != null; o = o.next) {
      n += o.fin ? 0 : 1;
    }
    return n;
  }

  /** Messages still waiting for window: never sent, their send futures not yet complete. */
  final long queuedMessages() {
    long n = 0;
    for (Outgoing o = pendingHead; o != null; o = o.next) {
      n += o.fin ? 0 : 1;
    }
    return n;
  }

  final long unacknowledgedBytes() {
    return unackedBytes; // the FIN has no payload
  }

  /** The connection ended: pending sends fail, nothing more is sent or acknowledged. */
  void failPending(ConnectionClosedException why) {
    for (Outgoing o = pendingHead; o != null; o = o.next) {
      if (o.future != null) {
        o.future.completeExceptionally(why);
      }
    }
    pendingHead = pendingTail = null;
    unackedHead = unackedTail = null;
    unackedBytes = 0;
    retransmitAt = NO_DEADLINE;
    ackWanted = false;
    core.cancel(this);
  }

  // ---- the timer: this event, queued at the earlier of its two deadlines --------------------

  private void armRetransmission(long delay) {
    if (retransmitAt == NO_DEADLINE) {
      retransmitAt = core.now() + Math.min(delay, closeDeadline - core.now());
      wakeAt(retransmitAt);
    }
  }

  private void disarmRetransmission() {
    retransmitAt = NO_DEADLINE;
    if (!ackWanted) {
      core.cancel(this);
    }
  }

  @Override
  protected final void run() {
    if (!open()) {
      return;
    }
    if (ackWanted) {
      ackWanted = false;
      sendAck();
    }
    if (retransmitAt <= core.now()) {
      retransmitAt = NO_DEADLINE;
      onRetransmissionTimeout();
    }
    if (retransmitAt != NO_DEADLINE && !queued() && open()) {
      wakeAt(retransmitAt);
    }
  }

  // ---- RFC 6298 ------------------------------------------------------------------------------

  final void sampleRtt(long rtt) {
    if (rtt < 0) {
      return;
    }
    if (smoothedRtt < 0) {
      smoothedRtt = rtt;
      rttVariance = rtt / 2;
    } else {
      rttVariance = (3 * rttVariance + Math.abs(smoothedRtt - rtt)) / 4;
      smoothedRtt = (7 * smoothedRtt + rtt) / 8;
    }
  }

  /** The smoothed RTT, 0 before any sample. */
  final long smoothedRtt() {
    return Math.max(0, smoothedRtt);
  }

  /** The retransmission timeout, doubled per consecutive timeout. */
  final long rto() {
    long base =
        smoothedRtt < 0 ? initialRto : smoothedRtt + Math.max(4 * rttVariance, RTT_GRANULARITY);
    return Math.min(MAX_RTO, base << Math.min(backoff, 20));
  }
}
