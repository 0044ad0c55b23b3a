package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.ProtocolException;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * UNRELIABLE messages as QUIC DATAGRAM frames, each with a sequence number (see {@link
 * DatagramFrames}) so the receiver counts the ones that never arrived, including those a full send
 * queue dropped while their write futures reported success.
 *
 * <p>They have their own queue, apart from the reliable messages of the {@link StreamOutbox}: a
 * datagram has no order relative to them, and must not wait behind a reliable backlog held up by
 * stream flow control (head-of-line blocking is what UNRELIABLE avoids). Datagrams leave in the
 * order they were sent, each flushed at once. Nor do they take part in a close: those queued before
 * {@code close()} leave or are dropped, and never hold back CLOSE.
 *
 * <p>The queue is bounded like QUIC's own datagram send queue ({@code P2P_QUIC_DATAGRAM_QUEUE}
 * entries), and dropped from the same way: a datagram sent while it is full is not queued, its
 * future completes as if it left, and its sequence number is skipped, so the receiver counts it
 * among the ones that never arrived. A sender faster than the event loop costs bounded memory, and
 * the loop writes a bounded batch per task, so its timers and reads still run.
 */
final class DatagramLane {
  /** Datagrams written per event-loop task before the loop gets to its timers and reads. */
  private static final int DRAIN_BATCH = 256;

  private final QuicChannel quic;
  private final int maxQueued;
  private final TrafficCounters counters;
  private final Supplier<ConnectionClosedException> closedError;
  private volatile int maxFrameLength = -1;
  private int expectedSequence; // loop
  private AckPiggyback acks; // loop; found at the first write
  private final AtomicLong gaps = new AtomicLong();
  private final AtomicLong droppedAtSend = new AtomicLong();

  // Any thread -> loop; guarded by queue.
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int nextSequence;
  private boolean closed;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  DatagramLane(
      QuicChannel quic,
      int maxQueued,
      TrafficCounters counters,
      Supplier<ConnectionClosedException> closedError) {
    this.quic = quic;
    this.maxQueued = maxQueued;
    this.counters = counters;
    this.closedError = closedError;
  }

  /** The largest DATAGRAM frame the peer takes, from QUIC's datagram extension event. */
  void maxFrameLength(int length) {
    maxFrameLength = length;
  }

  /** The largest UNRELIABLE message, or -1 while unknown / 0 if the peer has no datagrams. */
  int limit() {
    int limit = maxFrameLength;
    return limit <= DatagramFrames.HEADER_LENGTH ? limit : limit - DatagramFrames.HEADER_LENGTH;
  }

  /**
   * Queues an UNRELIABLE message for the event loop; its future completes once it is handed to
   * QUIC, or fails at once if it cannot go as a datagram. Any thread.
   */
  CompletableFuture<Void> send(byte[] message) {
    int limit = limit();
    if (limit <= 0) {
      return CompletableFuture.failedFuture(
          new ProtocolException("the peer does not accept QUIC datagrams; send RELIABLE instead"));
    }
    if (message.length > limit) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, limit, "QUIC datagram"));
    }
    Pending p;
    synchronized (queue) {
      if (closed) {
        return CompletableFuture.failedFuture(closedError.get());
      }
      // Numbered here, in send order, so that one dropped below leaves a gap the receiver counts.
      int sequence = nextSequence++;
      if (queue.size() >= maxQueued) {
        // Counted here too: a drop at the tail of a burst leaves no gap the receiver could see.
        droppedAtSend.incrementAndGet();
        return CompletableFuture.completedFuture(null);
      }
      p = new Pending(sequence, message);
      queue.add(p);
    }
    scheduleDrain();
    return p.future;
  }

  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        quic.eventLoop().execute(this::drain);
      } catch (RejectedExecutionException e) {
        fail(); // the provider is shutting down: nothing will write them
      }
    }
  }

  /**
   * Hands every queued datagram to QUIC, in send order, each flushed before the next: QUIC's
   * datagram send queue holds only {@code P2P_QUIC_DATAGRAM_QUEUE} entries, and a burst handed over
   * before one flush would overflow it (QUIC drops the excess while the write still reports
   * success). Loop.
   */
  private void drain() {
    drainScheduled.set(false);
    Pending p;
    for (int i = 0; i < DRAIN_BATCH; i++) {
      if ((p = poll()) == null) {
        return;
      }
      if (!quic.isActive()) {
        p.future.completeExceptionally(closedError.get());
        continue;
      }
      byte[] m = p.message;
      ByteBuf buf = quic.alloc().directBuffer(DatagramFrames.HEADER_LENGTH + m.length);
      buf.writeInt(p.sequence).writeBytes(m);
      quic.writeAndFlush(buf, quic.voidPromise());
      counters.sent(m.length);
      p.future.complete(null);
      if (acks == null) {
        acks = AckPiggyback.of(quic);
      }
      if (acks != null) {
        acks.answered(); // a held acknowledgement leaves with this datagram
      }
    }
    scheduleDrain(); // the rest after the loop's other work
  }

  private Pending poll() {
    synchronized (queue) {
      return queue.poll();
    }
  }

  /** The connection is gone: takes no more datagrams and fails those not yet written. */
  void fail() {
    synchronized (queue) {
      closed = true;
    }
    ConnectionClosedException ex = null;
    Pending p;
    while ((p = poll()) != null) {
      if (ex == null) {
        ex = closedError.get();
      }
      p.future.completeExceptionally(ex);
    }
  }

  /** A DATAGRAM frame arrived: its message, or null if malformed. Loop. */
  byte[] received(ByteBuf content) {
    if (content.readableBytes() < DatagramFrames.HEADER_LENGTH) {
      return null;
    }
    int sequence = content.readInt();
    int gap = sequence - expectedSequence;
    if (gap > 0) {
      // Sent but never arrived: dropped by a full send queue or lost on the way.
      gaps.addAndGet(gap);
    }
    if (gap >= 0) {
      expectedSequence = sequence + 1;
    }
    byte[] message = new byte[content.readableBytes()];
    content.readBytes(message);
    return message;
  }

  /** UNRELIABLE messages this side dropped because its send queue was full. */
  long droppedAtSend() {
    return droppedAtSend.get();
  }

  /** UNRELIABLE messages that never arrived (sender queue drops and network loss). */
  long gaps() {
    return gaps.get();
  }

  private static final class Pending {
    final int sequence;
    final byte[] message;
    final CompletableFuture<Void> future = new CompletableFuture<>();

    Pending(int sequence, byte[] message) {
      this.sequence = sequence;
      this.message = message;
    }
  }
}
