package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reliable messages on their way to the stream, in the order {@code send} was called, and at the
 * end the closing control frames. {@code send} queues from any thread; the event loop writes while
 * the stream has room. Up to {@link #OUTBOX_BYTES} a send is accepted at once; beyond it its future
 * completes when the message is written, so a receiver that stops reading (QUIC flow control) makes
 * the sender's futures wait. UNRELIABLE messages do not come here: they must not wait behind this
 * queue ({@link DatagramLane}).
 *
 * <p>"Room" is not {@code isWritable()} alone. Netty's QUIC stream channel keeps a write that
 * quiche has no capacity for in its own unbounded queue, and reports the stream writable again as
 * soon as one queued write goes out even while later ones still wait (4.2.18, {@code
 * QuicheQuicStreamChannel.writeQueued}). Trusting the flag let this outbox pour every message into
 * that queue and complete every send future while the peer read nothing. So a write is also counted
 * until its promise says quiche took it, and nothing more is written while one is out.
 *
 * <p>Closing takes no more sends but writes everything already sent, waiting senders included, and
 * only then the closing frame: the peer reads up to it, so a close cuts nothing off.
 *
 * <p>It also counts what it wrote, so that the connection can say how much the peer did not
 * acknowledge when it dies.
 */
final class StreamOutbox {
  private static final Logger log = LoggerFactory.getLogger(StreamOutbox.class);

  /**
   * Bytes of RELIABLE messages queued for the event loop that {@code send} accepts at once. Without
   * it, every send would wait for a hand-over to the event loop.
   */
  static final int OUTBOX_BYTES = 512 * 1024;

  /** Small messages are copied together into buffers of this size before a stream write. */
  static final int WRITE_BATCH_BYTES = 32 * 1024;

  /** Bytes written to the stream before a flush, so packets leave while the batch goes on. */
  private static final int FLUSH_EVERY_BYTES = 256 * 1024;

  private final EventLoop loop;
  private final TrafficCounters counters;
  private final Supplier<ConnectionClosedException> closedError;

  // Any thread -> loop; guarded by queue.
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private long queuedBytes;
  private int waiters;
  private boolean closed;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  // Loop only.
  private QuicStreamChannel stream;
  private AckPiggyback acks; // null if the socket has none
  private long messagesWritten;
  private long bytesWritten;
  private long unconfirmedBytes; // handed to the stream, not yet taken by quiche
  private boolean waitingForConfirm; // drain stopped for unconfirmedBytes
  private boolean draining; // drain() is running (it can be re-entered from a write)
  private boolean drainAgain; // it was asked to run again meanwhile

  StreamOutbox(
      EventLoop loop, TrafficCounters counters, Supplier<ConnectionClosedException> closedError) {
    this.loop = loop;
    this.counters = counters;
    this.closedError = closedError;
  }

  /** The stream is open: queued messages can go, and go on whenever it has room again. Loop. */
  void attach(QuicStreamChannel s) {
    stream = s;
    s.pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                drain(); // checks for room itself
                ctx.fireChannelWritabilityChanged();
              }
            });
    drain();
  }

  /** Where a held acknowledgement is let go when this outbox writes (null: none). Loop. */
  void endHoldsAt(AckPiggyback a) {
    acks = a;
  }

  boolean streamOpen() {
    QuicStreamChannel s = stream;
    return s != null && s.isActive();
  }

  /**
   * Writes a control frame at once, ahead of anything queued (HELLO, PING; never one that must
   * follow messages). Loop.
   */
  void writeNow(int frame) {
    QuicStreamChannel s = stream;
    if (s == null || !s.isActive()) {
      log.debug("no stream for control frame {}", Integer.toHexString(frame));
      return;
    }
    s.writeAndFlush(s.alloc().directBuffer(StreamFrames.HEADER_LENGTH).writeInt(frame))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("control frame write failed", f.cause());
              }
            });
  }

  /** Queues a reliable message; see the class comment for when its future completes. */
  CompletableFuture<Void> send(byte[] message) {
    Pending p = new Pending(Pending.RELIABLE, message);
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
    scheduleDrain();
    return result;
  }

  /** Takes no more sends; {@code frame} (CLOSE) is written after everything already sent. Loop. */
  void closeWith(int frame) {
    synchronized (queue) {
      closed = true;
    }
    thenWrite(frame);
  }

  /**
   * Writes the control {@code frame} once everything queued before it is written (CLOSE_ACK comes
   * after our own last messages), even after {@link #closeWith}. Loop.
   */
  void thenWrite(int frame) {
    synchronized (queue) {
      queue.add(new Pending(frame, null));
    }
    drain();
  }

  private void scheduleDrain() {
    if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
  }

  private Pending peek() {
    synchronized (queue) {
      return queue.peek();
    }
  }

  private void remove(Pending p) {
    synchronized (queue) {
      removeHead(p);
    }
  }

  /** Holds the queue's lock. */
  private void removeHead(Pending p) {
    queue.poll();
    if (p.message != null) {
      queuedBytes -= p.message.length;
    }
    if (p.kind == Pending.RELIABLE && p.future != null) {
      waiters--;
    }
  }

  /**
   * The next frame to write, taken from the queue, or null if none or a reliable message must wait
   * for room. One lock per message: {@code send} takes the same lock from the application's thread.
   * Loop.
   */
  private Pending take(QuicStreamChannel s, ByteBuf batch, boolean batchHadRoom) {
    synchronized (queue) {
      Pending p = queue.peek();
      if (p == null
          || (p.kind == Pending.RELIABLE && !fits(p, batch, batchHadRoom) && !hasRoom(s))) {
        return null;
      }
      removeHead(p);
      return p;
    }
  }

  /**
   * Whether {@code p} joins the batch being filled. That batch was begun with room, so what waits
   * beyond the stream's last write stays one batch, now a full one (a message that needed a new
   * batch behind an unconfirmed write went alone in a 32 KiB buffer).
   */
  private static boolean fits(Pending p, ByteBuf batch, boolean batchHadRoom) {
    return batch != null && batchHadRoom && batch.writableBytes() >= frameLength(p);
  }

  private static int frameLength(Pending p) {
    return StreamFrames.HEADER_LENGTH + (p.message == null ? 0 : p.message.length);
  }

  /**
   * Writes queued sends while the stream has room; the rest waits for writability or for the stream
   * to confirm what it holds. Loop.
   */
  void drain() {
    drainScheduled.set(false);
    if (draining) {
      // Re-entered from inside a write (Netty announces writability changes synchronously): the
      // outer drain holds a message it took from the queue but has not written yet, so writing
      // here would let what follows it (a CLOSE) overtake it. The outer drain runs again instead.
      drainAgain = true;
      return;
    }
    draining = true;
    try {
      do {
        drainAgain = false;
        drainOnce();
      } while (drainAgain);
    } finally {
      draining = false;
    }
  }

  private void drainOnce() {
    QuicStreamChannel s = stream;
    if (s == null) {
      return;
    }
    int sinceFlush = 0;
    boolean wroteAny = false;
    ByteBuf batch = null;
    boolean batchHadRoom = false; // begun by a message that passed the room check
    Pending p;
    while ((p = take(s, batch, batchHadRoom)) != null) {
      int frame = frameLength(p);
      if (batch != null && batch.writableBytes() < frame) {
        write(s, batch);
        batch = null;
      }
      if (batch == null) {
        // Small messages share a buffer: one stream write per batch, not one per message.
        batch = s.alloc().directBuffer(Math.max(frame, WRITE_BATCH_BYTES));
        batchHadRoom = p.kind == Pending.RELIABLE;
      }
      wroteAny = true;
      if (p.kind == Pending.RELIABLE) {
        batch.writeInt(p.message.length).writeBytes(p.message);
        written(p);
      } else {
        batch.writeInt(p.kind);
      }
      sinceFlush += frame;
      if (sinceFlush >= FLUSH_EVERY_BYTES) {
        write(s, batch);
        batch = null;
        s.flush();
        sinceFlush = 0;
      }
    }
    if (batch != null) {
      // Its messages count as written already: it goes even if the stream is full now, so at
      // most this one batch waits beyond the write that filled the stream.
      write(s, batch);
    }
    s.flush();
    if (wroteAny && acks != null) {
      acks.answered(); // a held acknowledgement leaves with this
    }
  }

  private boolean hasRoom(QuicStreamChannel s) {
    if (unconfirmedBytes > 0) {
      waitingForConfirm = true;
      return false;
    }
    return s.isWritable();
  }

  /**
   * Hands a batch to the stream and counts it until quiche took it (the promise completes at once
   * when it did). Once nothing is outstanding, a drain that stopped for it runs again.
   */
  private void write(QuicStreamChannel s, ByteBuf batch) {
    int length = batch.readableBytes();
    unconfirmedBytes += length;
    s.write(batch, s.newPromise())
        .addListener(
            f -> {
              unconfirmedBytes -= length;
              if (unconfirmedBytes == 0 && waitingForConfirm) {
                waitingForConfirm = false;
                // Later, not here: this runs inside the stream's own write loop.
                scheduleDrain();
              }
            });
  }

  private void written(Pending p) {
    messagesWritten++;
    bytesWritten += p.message.length;
    if (p.future != null) {
      counters.sent(p.message.length);
      p.future.complete(null);
    }
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
    Pending p;
    ConnectionClosedException ex = null;
    while ((p = peek()) != null) {
      remove(p);
      if (p.kind == Pending.RELIABLE && p.future == null) {
        lostMessages++;
        lostBytes += p.message.length;
        continue;
      }
      if (p.future != null) {
        if (ex == null) {
          ex = closedError.get();
        }
        p.future.completeExceptionally(ex);
      }
    }
    return new long[] {lostMessages, lostBytes};
  }

  /** Messages written to the stream so far. Loop. */
  long messagesWritten() {
    return messagesWritten;
  }

  /** Payload bytes written to the stream so far. Loop. */
  long bytesWritten() {
    return bytesWritten;
  }

  private static final class Pending {
    static final int RELIABLE = 0;

    /** {@link #RELIABLE} or a control frame of {@link StreamFrames}. */
    final int kind;

    final byte[] message;

    /** Null once {@code send} accepted the message, else completes when it is written. */
    CompletableFuture<Void> future;

    Pending(int kind, byte[] message) {
      this.kind = kind;
      this.message = message;
    }
  }
}
