package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.api.internal.ConnectionListeners;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link P2PConnection} over one QUIC connection: RELIABLE messages on one bidirectional stream,
 * length-prefixed; UNRELIABLE messages as QUIC DATAGRAM frames.
 *
 * <p>Threading: transport state lives on the connection's event loop. Application threads touch
 * only the outbox (a queue guarded by itself, drained on the loop), the inbox (guarded by {@code
 * this}) and volatile fields.
 */
final class QuicPeerChannel implements P2PConnection, StreamFrameReader.Sink, PeerPath.Observer {
  private static final Logger log = LoggerFactory.getLogger(QuicPeerChannel.class);

  /** Application close codes carried in QUIC CONNECTION_CLOSE. */
  static final int CLOSE_NORMAL = 0;

  static final int CLOSE_NOT_LISTENING = 1;
  static final int CLOSE_PROTOCOL_ERROR = 2;

  /**
   * Bytes of RELIABLE messages queued for the event loop that {@code send} accepts at once. Beyond
   * it a send completes only when its message is written to the stream; without it, every send
   * would wait for a hand-over to the event loop.
   */
  static final int OUTBOX_BYTES = 512 * 1024;

  /** Small messages are copied together into buffers of this size before a stream write. */
  private static final int WRITE_BATCH_BYTES = 32 * 1024;

  /** Bytes written to the stream before a flush, so packets leave while the batch goes on. */
  private static final int FLUSH_EVERY_BYTES = 256 * 1024;

  /** How long a closing side waits for the peer to take the last bytes and hang up. */
  private static final long LINGER_MS = 2000;

  private final QuicP2PProvider provider;
  private final QuicChannel quic;
  private final EventLoop loop;
  private final PeerId peer;
  private final PeerPath path;
  private final boolean dialler;
  private final QuicSettings settings;
  private final ConnectionListeners listeners =
      new ConnectionListeners((event, e) -> log.warn("connection listener failed on {}", event, e));

  private volatile ConnectionState state = ConnectionState.AUTHENTICATING;
  private volatile QuicStreamChannel stream;
  private volatile int datagramLimit = -1;

  // Outbound, any thread -> loop; guarded by outbox.
  private final ArrayDeque<PendingSend> outbox = new ArrayDeque<>();
  private long outboxBytes;
  private int outboxWaiters;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  // Inbound, guarded by this.
  private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<byte[]>> waiting = new ArrayDeque<>();
  private long inboxBytes;
  private boolean readPaused;
  private String closedReason;

  private final AtomicLong bytesSent = new AtomicLong();
  private final AtomicLong messagesSent = new AtomicLong();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong messagesReceived = new AtomicLong();
  private final AtomicLong datagramsDroppedInbound = new AtomicLong();
  private volatile ConnectionStats lastStats;
  private int nextDatagramSequence;
  private int expectedDatagramSequence;
  private final AtomicLong datagramGaps = new AtomicLong();

  private ScheduledFuture<?> keepAlive;
  private ScheduledFuture<?> linger;
  private CompletableFuture<P2PConnection> established;
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

  QuicPeerChannel(
      QuicP2PProvider provider, QuicChannel quic, PeerId peer, PeerPath path, boolean dialler) {
    this.provider = provider;
    this.quic = quic;
    this.loop = quic.eventLoop();
    this.peer = peer;
    this.path = path;
    this.dialler = dialler;
    this.settings = provider.settings();
    this.lastStats =
        new ConnectionStats(
            Duration.ZERO, 0, 0, 0, 0, 0, path == null ? PathType.DIRECT : path.type());
    if (path != null) {
      path.users.incrementAndGet();
      path.addObserver(this);
    }
  }

  QuicChannel quic() {
    return quic;
  }

  PeerPath peerPath() {
    return path;
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return closeFuture;
  }

  // ---- life cycle (loop) ----

  /** Dialler: the TLS handshake is done; open the stream and say hello. */
  void startDialler(CompletableFuture<P2PConnection> established) {
    this.established = established;
    quic.createStream(
            io.netty.handler.codec.quic.QuicStreamType.BIDIRECTIONAL,
            new StreamFrameReader(this, settings.maxMessageSize()))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                failEstablishment("could not open the message stream: " + f.cause());
                return;
              }
              QuicStreamChannel s = (QuicStreamChannel) f.getNow();
              log.debug("{}: stream {} opened", this, s.streamId());
              attachStream(s);
              writeControl(StreamFrames.HELLO);
            });
  }

  /** Listener: the peer opened its stream. Only the first one is used. */
  boolean acceptStream(QuicStreamChannel s) {
    if (stream != null) {
      return false;
    }
    attachStream(s);
    return true;
  }

  private void attachStream(QuicStreamChannel s) {
    stream = s;
    s.pipeline()
        .addLast(
            new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(io.netty.channel.ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                  drain();
                }
                ctx.fireChannelWritabilityChanged();
              }
            });
  }

  private void failEstablishment(String why) {
    CompletableFuture<P2PConnection> e = established;
    if (e != null) {
      e.completeExceptionally(new dev.p2p.api.ConnectionFailedException(why));
    }
    quic.close();
  }

  @Override
  public void onControl(int frame) {
    log.debug("{}: control frame {}", this, Integer.toHexString(frame));
    switch (frame) {
      case StreamFrames.HELLO -> {
        if (dialler || state != ConnectionState.AUTHENTICATING) {
          onStreamError(new dev.p2p.api.ProtocolException("unexpected HELLO"));
          return;
        }
        writeControl(StreamFrames.HELLO_ACK);
        becomeConnected("peer " + peer.shortString() + " authenticated");
        provider.accepted(this);
      }
      case StreamFrames.HELLO_ACK -> {
        if (!dialler || state != ConnectionState.AUTHENTICATING) {
          onStreamError(new dev.p2p.api.ProtocolException("unexpected HELLO_ACK"));
          return;
        }
        becomeConnected("peer " + peer.shortString() + " authenticated and accepted");
        established.complete(this);
      }
      case StreamFrames.PING -> {}
      case StreamFrames.CLOSE -> {
        refreshStats();
        markClosed("the peer closed the connection");
        quic.close(true, CLOSE_NORMAL, quic.alloc().buffer(0));
      }
      default -> log.debug("{}: ignoring unknown control frame {}", this, frame);
    }
  }

  private void becomeConnected(String reason) {
    setState(ConnectionState.CONNECTED, reason);
    long every = settings.keepAlive().toMillis();
    keepAlive =
        loop.scheduleAtFixedRate(
            () -> {
              writeControl(StreamFrames.PING);
              refreshStats();
            },
            every,
            every,
            TimeUnit.MILLISECONDS);
  }

  /** The QUIC connection is gone (closed by either side, idle timeout, error). Loop. */
  void onQuicClosed(String reason) {
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    if (linger != null) {
      linger.cancel(false);
    }
    CompletableFuture<P2PConnection> e = established;
    if (e != null && !e.isDone()) {
      e.completeExceptionally(
          new dev.p2p.api.ConnectionFailedException(
              "the peer closed the connection during set-up (" + reason + ")"));
    }
    markClosed(reason);
    failOutbox();
    if (path != null) {
      path.removeObserver(this);
      path.users.decrementAndGet();
    }
    closeFuture.complete(null);
  }

  @Override
  public void onStreamError(Throwable cause) {
    log.debug("{}: stream error", this, cause);
    markClosed("protocol error: " + cause.getMessage());
    byte[] why = String.valueOf(cause.getMessage()).getBytes(StandardCharsets.UTF_8);
    quic.close(true, CLOSE_PROTOCOL_ERROR, quic.alloc().buffer().writeBytes(why));
  }

  @Override
  public void onStreamEnd() {
    if (state != ConnectionState.CLOSED) {
      markClosed("the peer ended the message stream");
      quic.close();
    }
  }

  // ---- state ----

  private void setState(ConnectionState next, String reason) {
    ConnectionState previous;
    synchronized (this) {
      previous = state;
      if (previous == next || previous == ConnectionState.CLOSED) {
        return;
      }
      state = next;
    }
    listeners.fire(new ConnectionStateEvent(peer, previous, next, reason));
  }

  /** Fails pending and future calls; keeps messages that already arrived. Idempotent. */
  private void markClosed(String reason) {
    List<CompletableFuture<byte[]>> toFail;
    synchronized (this) {
      if (closedReason != null) {
        return;
      }
      closedReason = reason;
      toFail = List.copyOf(waiting);
      waiting.clear();
    }
    if (state != ConnectionState.CLOSED) {
      setState(ConnectionState.DISCONNECTING, reason);
      setState(ConnectionState.CLOSED, reason);
    }
    ConnectionClosedException ex = closedException();
    toFail.forEach(f -> f.completeExceptionally(ex));
  }

  private ConnectionClosedException closedException() {
    return new ConnectionClosedException(
        "connection to " + peer.shortString() + "... is closed: " + closedReason);
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closedReason != null) {
        return;
      }
    }
    markClosed("closed locally");
    loop.execute(
        () -> {
          refreshStats(); // the last figures stay readable after close
          if (!quic.isActive()) {
            failOutbox();
            return;
          }
          if (stream != null && stream.isActive()) {
            // Everything written before CLOSE is delivered; the peer hangs up when it reads it.
            flushAcceptedOutbox();
            writeControl(StreamFrames.CLOSE);
            linger =
                loop.schedule(
                    () -> {
                      quic.close(true, CLOSE_NORMAL, quic.alloc().buffer(0));
                    },
                    LINGER_MS,
                    TimeUnit.MILLISECONDS);
          } else {
            failOutbox();
            quic.close(true, CLOSE_NORMAL, quic.alloc().buffer(0));
          }
        });
  }

  // ---- sending ----

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    if (closedReason != null) {
      return CompletableFuture.failedFuture(closedException());
    }
    if (delivery == Delivery.UNRELIABLE) {
      return sendDatagram(message);
    }
    if (message.length > settings.maxMessageSize()) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(
              message.length, settings.maxMessageSize(), "maximum message size"));
    }
    PendingSend p = new PendingSend(message);
    boolean acceptedNow;
    synchronized (outbox) {
      outbox.add(p);
      outboxBytes += message.length;
      // Nobody overtakes a waiting sender, so acceptance keeps the order of the stream.
      acceptedNow = outboxWaiters == 0 && outboxBytes <= OUTBOX_BYTES;
      if (!acceptedNow) {
        p.future = new CompletableFuture<>();
        outboxWaiters++;
      }
    }
    CompletableFuture<Void> result;
    if (acceptedNow) {
      countSent(message);
      result = CompletableFuture.completedFuture(null);
    } else {
      result = p.future;
    }
    if (closedReason != null) {
      // Raced with close: make sure nobody waits forever.
      loop.execute(this::failOutbox);
    } else if (drainScheduled.compareAndSet(false, true)) {
      loop.execute(this::drain);
    }
    return result;
  }

  private void countSent(byte[] message) {
    bytesSent.addAndGet(message.length);
    messagesSent.incrementAndGet();
  }

  private PendingSend pollOutbox() {
    synchronized (outbox) {
      PendingSend p = outbox.poll();
      if (p != null) {
        outboxBytes -= p.message.length;
        if (p.future != null) {
          outboxWaiters--;
        }
      }
      return p;
    }
  }

  /** Hands a message written to the stream to its waiting sender, if it had one. */
  private void written(PendingSend p) {
    if (p.future != null) {
      countSent(p.message);
      p.future.complete(null);
    }
  }

  /** Writes queued messages while the stream has room; the rest waits for writability. Loop. */
  private void drain() {
    drainScheduled.set(false);
    QuicStreamChannel s = stream;
    if (s == null) {
      return;
    }
    int sinceFlush = 0;
    ByteBuf batch = null;
    PendingSend p;
    while (s.isWritable() && (p = pollOutbox()) != null) {
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
    if (!s.isActive()) {
      failOutbox();
    }
  }

  /**
   * Closing: messages {@code send} already accepted still go out, ahead of CLOSE, whatever the
   * stream's writability; senders still waiting fail. Loop.
   */
  private void flushAcceptedOutbox() {
    QuicStreamChannel s = stream;
    PendingSend p;
    while (true) {
      synchronized (outbox) {
        p = outbox.peek();
        if (p == null || p.future != null) {
          break;
        }
        pollOutbox();
      }
      byte[] m = p.message;
      s.write(
          s.alloc()
              .directBuffer(StreamFrames.HEADER_LENGTH + m.length)
              .writeInt(m.length)
              .writeBytes(m),
          s.voidPromise());
    }
    failOutbox();
  }

  /** Drops what is queued: accepted messages are lost with the connection, waiters fail. */
  private void failOutbox() {
    PendingSend p;
    ConnectionClosedException ex = null;
    while ((p = pollOutbox()) != null) {
      if (p.future == null) {
        continue;
      }
      if (ex == null) {
        ex = closedException();
      }
      p.future.completeExceptionally(ex);
    }
  }

  private void writeControl(int frame) {
    QuicStreamChannel s = stream;
    if (s == null || !s.isActive()) {
      log.debug("{}: no stream for control frame {}", this, Integer.toHexString(frame));
      return;
    }
    s.writeAndFlush(s.alloc().directBuffer(StreamFrames.HEADER_LENGTH).writeInt(frame))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("{}: control frame write failed", this, f.cause());
              }
            });
  }

  /** The largest UNRELIABLE message, or -1 while unknown / 0 if the peer has no datagrams. */
  int datagramLimit() {
    int limit = datagramLimit;
    return limit <= DatagramFrames.HEADER_LENGTH ? limit : limit - DatagramFrames.HEADER_LENGTH;
  }

  void onDatagramLimit(int maxLength) {
    datagramLimit = maxLength;
  }

  private CompletableFuture<Void> sendDatagram(byte[] message) {
    int limit = datagramLimit();
    if (limit <= 0) {
      return CompletableFuture.failedFuture(
          new dev.p2p.api.ProtocolException(
              "the peer does not accept QUIC datagrams; send RELIABLE instead"));
    }
    if (message.length > limit) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, limit, "QUIC datagram"));
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(
        () -> {
          if (!quic.isActive()) {
            f.completeExceptionally(closedException());
            return;
          }
          ByteBuf buf = quic.alloc().directBuffer(DatagramFrames.HEADER_LENGTH + message.length);
          buf.writeInt(nextDatagramSequence++).writeBytes(message);
          quic.writeAndFlush(buf, quic.voidPromise());
          bytesSent.addAndGet(message.length);
          messagesSent.incrementAndGet();
          f.complete(null);
        });
    return f;
  }

  // ---- receiving ----

  @Override
  public void onMessage(byte[] message) {
    if (state == ConnectionState.AUTHENTICATING) {
      onStreamError(new dev.p2p.api.ProtocolException("message before the handshake finished"));
      return;
    }
    deliver(message, true);
  }

  /** A DATAGRAM frame arrived. Loop. */
  void onDatagram(ByteBuf content) {
    if (state != ConnectionState.CONNECTED
        || content.readableBytes() < DatagramFrames.HEADER_LENGTH) {
      return;
    }
    int sequence = content.readInt();
    int gap = sequence - expectedDatagramSequence;
    if (gap > 0) {
      // Sent but never arrived: dropped by a full send queue or lost on the way.
      datagramGaps.addAndGet(gap);
    }
    if (gap >= 0) {
      expectedDatagramSequence = sequence + 1;
    }
    byte[] message = new byte[content.readableBytes()];
    content.readBytes(message);
    deliver(message, false);
  }

  private void deliver(byte[] message, boolean reliable) {
    CompletableFuture<byte[]> receiver;
    synchronized (this) {
      if (closedReason != null && !reliable) {
        return;
      }
      receiver = waiting.poll();
      if (receiver == null) {
        if (!reliable && inboxBytes + message.length > settings.receiveBufferBytes()) {
          // Nobody reads: unreliable messages are the ones to give up.
          datagramsDroppedInbound.incrementAndGet();
          return;
        }
        inbox.add(message);
        inboxBytes += message.length;
        if (reliable && inboxBytes > settings.receiveBufferBytes() && !readPaused) {
          // Stop reading the stream: QUIC flow control then holds the sender back.
          readPaused = true;
          QuicStreamChannel s = stream;
          if (s != null) {
            s.config().setAutoRead(false);
          }
        }
      }
    }
    bytesReceived.addAndGet(message.length);
    messagesReceived.incrementAndGet();
    if (receiver != null) {
      receiver.complete(message);
    }
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    byte[] message;
    boolean resume = false;
    synchronized (this) {
      message = inbox.poll();
      if (message == null) {
        if (closedReason != null) {
          return CompletableFuture.failedFuture(closedException());
        }
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        waiting.add(f);
        return f;
      }
      inboxBytes -= message.length;
      if (readPaused && inboxBytes <= settings.receiveBufferBytes() / 2) {
        readPaused = false;
        resume = true;
      }
    }
    if (resume) {
      loop.execute(
          () -> {
            QuicStreamChannel s = stream;
            if (s != null) {
              s.config().setAutoRead(true);
            }
          });
    }
    return CompletableFuture.completedFuture(message);
  }

  // ---- observation ----

  @Override
  public PeerId peerId() {
    return peer;
  }

  @Override
  public ConnectionState state() {
    return state;
  }

  @Override
  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  @Override
  public void pathChanged(PeerPath p, InetSocketAddress previous, InetSocketAddress current) {
    if (previous == null) {
      return; // the first answer fixes the path; nothing moved
    }
    listeners.fire(
        new PathChangeEvent(
            peer,
            dev.p2p.api.Path.direct(previous),
            dev.p2p.api.Path.direct(current),
            "direct path moved from " + previous + " to " + current));
  }

  @Override
  public ConnectionStats stats() {
    if (loop.inEventLoop()) {
      refreshStats();
    } else if (quic.isActive()) {
      try {
        loop.submit(this::refreshStats).get(1, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("stats refresh failed; returning the last snapshot", e);
      }
    }
    ConnectionStats s = lastStats;
    return new ConnectionStats(
        s.rtt(),
        bytesSent.get(),
        bytesReceived.get(),
        messagesSent.get(),
        messagesReceived.get(),
        s.packetLoss(),
        path == null ? PathType.DIRECT : path.type());
  }

  private void refreshStats() {
    if (!quic.isActive()) {
      return;
    }
    Duration rtt = lastStats.rtt();
    double loss = lastStats.packetLoss();
    io.netty.util.concurrent.Future<QuicConnectionStats> cs = quic.collectStats();
    if (cs.isSuccess()) {
      QuicConnectionStats c = cs.getNow();
      loss = c.sent() == 0 ? 0 : Math.min(1.0, (double) c.lost() / c.sent());
    }
    io.netty.util.concurrent.Future<QuicConnectionPathStats> ps = quic.collectPathStats(0);
    if (ps.isSuccess()) {
      rtt = Duration.ofNanos(ps.getNow().rtt());
    }
    lastStats = new ConnectionStats(rtt, 0, 0, 0, 0, loss, PathType.DIRECT);
  }

  /** UNRELIABLE messages that never arrived (sender queue drops and network loss). */
  long datagramGaps() {
    return datagramGaps.get();
  }

  /** UNRELIABLE messages dropped here because nobody was reading. */
  long datagramsDroppedInbound() {
    return datagramsDroppedInbound.get();
  }

  // TODO(issue 10): placeholders until QUIC implements the new contract.
  @Override
  public dev.p2p.api.Path path() {
    return dev.p2p.api.Path.direct();
  }

  @Override
  public java.util.concurrent.Flow.Publisher<byte[]> messages() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public String toString() {
    return "QuicPeerChannel[" + peer.shortString() + (dialler ? " dialled" : " accepted") + "]";
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
