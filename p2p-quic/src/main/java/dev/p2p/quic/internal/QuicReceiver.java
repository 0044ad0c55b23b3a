package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionState;
import dev.p2p.api.ProtocolException;
import dev.p2p.core.ConnectionLifecycle;
import dev.p2p.core.Inbox;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.concurrent.RejectedExecutionException;

/**
 * The receive side of one connection: messages from the stream and datagrams into the {@link
 * Inbox}, read receipts back to the peer, and the stream's reading switched on and off as the inbox
 * fills and drains (QUIC flow control then holds the sender back). Control frames go up to the
 * connection. Transport state is event-loop confined; the inbox is thread-safe.
 */
final class QuicReceiver
    implements StreamFrameReader.Sink, Inbox.Transport, StreamReadBatches.Reader {
  /** What the receiver hands up to its connection. Loop. */
  interface Connection {
    void onControl(int frame);

    void onStreamError(Throwable cause);

    void onStreamEnd();

    /** The application cancelled its subscription: nobody consumes any more. */
    void close();
  }

  private final EventLoop loop;
  private final Connection connection;
  private final ConnectionLifecycle lifecycle;
  private final TrafficCounters counters;
  private final DatagramLane datagrams;
  private final Inbox inbox;
  private final ReadReceipts receipts;

  private volatile QuicStreamChannel stream;
  private volatile boolean readToTheEnd; // closing locally: read up to CLOSE_ACK, inbox or not

  // Loop only. Null batches: the socket has none, the stream reads itself per packet (auto-read).
  private StreamReadBatches batches;
  private StreamReadAllocator reads;
  private AckPiggyback acks; // null if the socket has none
  private boolean readQueued; // asked batches for a read at the end of this batch

  QuicReceiver(
      EventLoop loop,
      Connection connection,
      ConnectionLifecycle lifecycle,
      TrafficCounters counters,
      DatagramLane datagrams,
      ReadReceipts receipts,
      long inboxBytes) {
    this.loop = loop;
    this.connection = connection;
    this.lifecycle = lifecycle;
    this.counters = counters;
    this.datagrams = datagrams;
    this.receipts = receipts;
    this.inbox = new Inbox(inboxBytes, this);
  }

  Inbox inbox() {
    return inbox;
  }

  /**
   * The message stream is open. From now on it is read when asked: at the end of each socket read
   * batch that brought it data ({@link StreamReadBatches}), and when the inbox wants more. Loop.
   */
  void attach(QuicStreamChannel s) {
    stream = s;
    acks = AckPiggyback.of(s.parent());
    batches = s.parent().parent().pipeline().get(StreamReadBatches.class);
    if (batches == null) {
      s.config().setAutoRead(wantsToRead());
      return;
    }
    reads = new StreamReadAllocator(this::wantsToRead);
    s.config().setRecvByteBufAllocator(reads).setAutoRead(false);
    // Not now: the caller may not have added the stream's reader yet.
    loop.execute(this::readNow);
  }

  private void readNow() {
    QuicStreamChannel s = stream;
    if (s != null && wantsToRead()) {
      s.read();
    }
  }

  @Override
  public void readBatchEnded() {
    readQueued = false;
    readNow();
    if (reads.capped()) {
      // More than one read holds: go on without waiting for another packet (there may be none).
      loop.execute(this::readNow);
    }
  }

  /**
   * Closing locally: the inbox takes nothing more, but the stream is read on to its end, for the
   * peer's CLOSE_ACK. Loop.
   */
  void readToTheEnd() {
    readToTheEnd = true;
    QuicStreamChannel s = stream;
    if (s != null && batches == null) {
      s.config().setAutoRead(true);
    } else {
      readNow();
    }
  }

  /** Writes a read receipt now if anything was taken since the last one. Loop. */
  void reportReads() {
    receipts.maybeReport(stream, true);
  }

  @Override
  public void onMessage(byte[] message) {
    if (lifecycle.state() == ConnectionState.AUTHENTICATING) {
      connection.onStreamError(new ProtocolException("message before the handshake finished"));
      return;
    }
    // After a local close the inbox takes nothing: such a message is not acknowledged.
    if (inbox.offer(message, true)) {
      receipts.read(message.length);
      counters.received(message.length);
      if (acks != null) {
        acks.delivered();
      }
    }
  }

  @Override
  public void onControl(int frame) {
    connection.onControl(frame);
  }

  @Override
  public void onReceipt(long messages, long bytes) {
    receipts.peerRead(messages, bytes);
  }

  @Override
  public void onReadComplete() {
    receipts.maybeReport(stream, false);
    if (batches != null && !readQueued) {
      // Data came: more may follow in this batch; read it all at its end.
      readQueued = true;
      batches.readLater(this);
    }
  }

  @Override
  public void onStreamError(Throwable cause) {
    connection.onStreamError(cause);
  }

  @Override
  public void onStreamEnd() {
    connection.onStreamEnd();
  }

  /** A DATAGRAM frame arrived. Loop. */
  void onDatagram(ByteBuf content) {
    if (lifecycle.state() != ConnectionState.CONNECTED) {
      return;
    }
    byte[] message = datagrams.received(content);
    if (message != null && inbox.offer(message, false)) {
      counters.received(message.length);
      if (acks != null) {
        acks.delivered();
      }
    }
  }

  /** The inbox filled up or drained: stop or resume reading the stream (QUIC flow control). */
  @Override
  public void readabilityChanged() {
    if (loop.inEventLoop()) {
      matchReading();
    } else {
      try {
        loop.execute(this::matchReading);
      } catch (RejectedExecutionException e) {
        // The event loop is gone, and the stream with it.
      }
    }
  }

  private void matchReading() {
    QuicStreamChannel s = stream;
    if (s == null) {
      return;
    }
    if (batches == null) {
      s.config().setAutoRead(wantsToRead());
    } else {
      readNow(); // reads only if wanted; stopping needs nothing (the reads check each buffer)
    }
  }

  private boolean wantsToRead() {
    return readToTheEnd || inbox.wantsMore();
  }

  @Override
  public void consumerCancelled() {
    connection.close();
  }
}
