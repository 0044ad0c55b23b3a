package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Reliable messages on their way to the stream: {@code send} queues them from any thread, the event
 * loop writes them while the stream is writable. Up to {@link #OUTBOX_BYTES} a send is accepted at
 * once; beyond it its future completes when the message is written, so a receiver that stops
 * reading (QUIC flow control) makes the sender's futures wait.
 *
 * <p>It also counts what it wrote, so that the connection can say how much the peer did not
 * acknowledge when it dies.
 */
final class StreamOutbox {
  /**
   * Bytes of RELIABLE messages queued for the event loop that {@code send} accepts at once. Without
   * it, every send would wait for a hand-over to the event loop.
   */
  static final int OUTBOX_BYTES = 512 * 1024;

  /** Small messages are copied together into buffers of this size before a stream write. */
  private static final int WRITE_BATCH_BYTES = 32 * 1024;

  /** Bytes written to the stream before a flush, so packets leave while the batch goes on. */
  private static final int FLUSH_EVERY_BYTES = 256 * 1024;

  private final EventLoop loop;
  private final TrafficCounters counters;
  private final Supplier<ConnectionClosedException> closedError;

  // Any thread -> loop; guarded by queue.
  private final ArrayDeque<PendingSend> queue = new ArrayDeque<>();
  private long queuedBytes;
  private int waiters;
  private boolean closed;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  // Loop only.
  private QuicStreamChannel stream;
  private long messagesWritten;
  private long bytesWritten;

  StreamOutbox(
      EventLoop loop, TrafficCounters counters, Supplier<ConnectionClosedException> closedError) {
    this.loop = loop;
    this.counters = counters;
    this.closedError = closedError;
  }

  /** The stream is open: queued messages can go. Loop. */
  void attach(QuicStreamChannel s) {
    stream = s;
    drain();
  }

  /** Queues a reliable message; see the class comment for when its future completes. */
  CompletableFuture<Void> send(byte[] message) {
    PendingSend p = new PendingSend(message);
    boolean acceptedNow;
    synchronized (queue) {
      if (closed) {
        return CompletableFuture.failedFuture(closedError.get());
      }
      queue.add(p);
      queuedBytes += message.length;
      // Nobody overtakes a waiting sender, so acceptance keeps the order of the stream.
      acceptedNow = waiters == 0 && queuedBytes <= OUTBOX_BYTES;
      if (!acceptedNow) {
        p.future = new CompletableFuture<>();
        waiters++;
      }
    }
    CompletableFuture<Void> result;
    if (acceptedNow) {
      counters.sent(message.length);
      result = CompletableFuture.completedFuture(null);
    } else {
      result = p.future;
    }
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
    return result;
  }

  private PendingSend poll() {
    synchronized (queue) {
      PendingSend p = queue.poll();
      if (p != null) {
        queuedBytes -= p.message.length;
        if (p.future != null) {
          waiters--;
        }
      }
      return p;
    }
  }

  /** Writes queued messages while the stream has room; the rest waits for writability. Loop. */
  void drain() {
    drainScheduled.set(false);
    QuicStreamChannel s = stream;
    if (s == null) {
      return;
    }
    int sinceFlush = 0;
    ByteBuf batch = null;
    PendingSend p;
    while (s.isWritable() && (p = poll()) != null) {
      byte[] m = p.message;
      int frame = StreamFrames.HEADER_LENGTH + m.length;
      if (batch != null && batch.writableBytes() < frame) {
        s.write(batch, s.voidPromise());
        batch = null;
      }
      if (batch == null) {
        // Small messages share a buffer: one stream write per batch, not one per message.
        batch = s.alloc().directBuffer(Math.max(frame, WRITE_BATCH_BYTES));
      }
      batch.writeInt(m.length).writeBytes(m);
      written(p);
      sinceFlush += frame;
      if (sinceFlush >= FLUSH_EVERY_BYTES) {
        s.write(batch, s.voidPromise());
        batch = null;
        s.flush();
        sinceFlush = 0;
      }
    }
    if (batch != null) {
      s.write(batch, s.voidPromise());
    }
    s.flush();
  }

  private void written(PendingSend p) {
    messagesWritten++;
    bytesWritten += p.message.length;
    if (p.future != null) {
      counters.sent(p.message.length);
      p.future.complete(null);
    }
  }

  /**
   * Closing: takes no more sends; messages {@code send} already accepted are written now, whatever
   * the stream's writability (at most {@link #OUTBOX_BYTES}), and senders still waiting fail. Loop.
   */
  void flushAccepted() {
    synchronized (queue) {
      closed = true;
    }
    QuicStreamChannel s = stream;
    PendingSend p;
    while (true) {
      synchronized (queue) {
        p = queue.peek();
        if (p == null || p.future != null) {
          break;
        }
        poll();
      }
      byte[] m = p.message;
      s.write(
          s.alloc()
              .directBuffer(StreamFrames.HEADER_LENGTH + m.length)
              .writeInt(m.length)
              .writeBytes(m),
          s.voidPromise());
      written(p);
    }
    failWaiters();
  }

  /**
   * The connection is gone: takes no more sends, fails waiting senders and drops accepted messages
   * that were never written. Returns those as {messages, bytes}: lost, to be reported. Loop.
   */
  long[] fail() {
    synchronized (queue) {
      closed = true;
    }
    long lostMessages = 0;
    long lostBytes = 0;
    PendingSend p;
    ConnectionClosedException ex = null;
    while ((p = poll()) != null) {
      if (p.future == null) {
        lostMessages++;
        lostBytes += p.message.length;
        continue;
      }
      if (ex == null) {
        ex = closedError.get();
      }
      p.future.completeExceptionally(ex);
    }
    return new long[] {lostMessages, lostBytes};
  }

  private void failWaiters() {
    ConnectionClosedException ex = null;
    PendingSend p;
    while ((p = poll()) != null) {
      if (p.future != null) {
        if (ex == null) {
          ex = closedError.get();
        }
        p.future.completeExceptionally(ex);
      }
    }
  }

  /** Messages written to the stream so far. Loop. */
  long messagesWritten() {
    return messagesWritten;
  }

  /** Payload bytes written to the stream so far. Loop. */
  long bytesWritten() {
    return bytesWritten;
  }

  private static final class PendingSend {
    final byte[] message;

    /** Null once {@code send} accepted the message; else completes when it is written. */
    CompletableFuture<Void> future;

    PendingSend(byte[] message) {
      this.message = message;
    }
  }
}
