package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PeerId;
import dev.p2p.api.ProtocolException;
import dev.p2p.core.ConnectionLifecycle;
import dev.p2p.core.Inbox;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link P2PConnection} over one QUIC connection: RELIABLE messages on one bidirectional stream,
 * length-prefixed ({@link StreamOutbox} out, {@link StreamFrameReader} in, {@link Inbox} to the
 * application); UNRELIABLE messages as QUIC DATAGRAM frames ({@link DatagramLane}); the end through
 * {@link CloseHandshake}. State, events and the close future are the core's {@link
 * ConnectionLifecycle}.
 *
 * <p>Threading: transport state lives on the connection's event loop. Application threads touch
 * only the outbox, the inbox and the lifecycle, which are thread-safe.
 */
final class QuicPeerChannel
    implements P2PConnection,
        StreamFrameReader.Sink,
        PeerPath.Observer,
        Inbox.Transport,
        CloseHandshake.Link {
  private static final Logger log = LoggerFactory.getLogger(QuicPeerChannel.class);

  private final QuicP2PProvider provider;
  private final QuicChannel quic;
  private final EventLoop loop;
  private final PeerId peer;
  private final PeerPath path;
  private final boolean dialler;
  private final QuicSettings settings;
  private final ConnectionLifecycle lifecycle;
  private final TrafficCounters counters = new TrafficCounters();
  private final Inbox inbox;
  private final StreamOutbox outbox;
  private final DatagramLane datagrams;
  private final ReadReceipts receipts = new ReadReceipts();
  private final CloseHandshake handshake;
  private final QuicStatsSampler sampler;

  private volatile QuicStreamChannel stream;
  private ScheduledFuture<?> keepAlive;
  private ScheduledFuture<?> liveness;
  private CompletableFuture<P2PConnection> established;
  private String localCloseReason; // loop: why we ended the QUIC connection ourselves
  private volatile boolean readToTheEnd; // closing locally: read up to CLOSE_ACK, inbox or not

  QuicPeerChannel(
      QuicP2PProvider provider, QuicChannel quic, PeerId peer, PeerPath path, boolean dialler) {
    this.provider = provider;
    this.quic = quic;
    this.loop = quic.eventLoop();
    this.peer = peer;
    this.path = path;
    this.dialler = dialler;
    this.settings = provider.settings();
    // Listeners run on the thread of the change, in order: a listener added after connect()
    // returned must not hear of the CONNECTED that happened before it.
    this.lifecycle =
        new ConnectionLifecycle(peer, ConnectionState.AUTHENTICATING, pathNow(), Runnable::run);
    this.inbox = new Inbox(settings.receiveBufferBytes(), this);
    this.outbox = new StreamOutbox(loop, counters, () -> lifecycle.closedError("send"));
    this.datagrams = new DatagramLane(quic, counters, () -> lifecycle.closedError("send"));
    this.handshake =
        new CloseHandshake(loop, this, lifecycle, inbox, outbox, receipts, settings.idleTimeout());
    this.sampler = new QuicStatsSampler(quic);
    if (path != null) {
      path.users.incrementAndGet();
      path.addObserver(this);
    }
  }

  private Path pathNow() {
    if (path == null) {
      return Path.direct();
    }
    InetSocketAddress current = path.current();
    if (current == null && !path.candidates().isEmpty()) {
      current = path.candidates().get(0);
    }
    return current == null ? Path.direct() : Path.direct(current);
  }

  QuicChannel quic() {
    return quic;
  }

  PeerPath peerPath() {
    return path;
  }

  // ---- set-up (loop) ----

  /** Dialler: the TLS handshake is done; open the stream and say hello. */
  void startDialler(CompletableFuture<P2PConnection> established) {
    this.established = established;
    quic.createStream(
            QuicStreamType.BIDIRECTIONAL, new StreamFrameReader(this, settings.maxMessageSize()))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                failEstablishment("could not open the message stream: " + f.cause());
                return;
              }
              attachStream((QuicStreamChannel) f.getNow());
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
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable()) {
                  outbox.drain();
                }
                ctx.fireChannelWritabilityChanged();
              }
            });
    s.config().setAutoRead(wantsToRead());
    outbox.attach(s);
  }

  private void failEstablishment(String why) {
    CompletableFuture<P2PConnection> e = established;
    if (e != null) {
      e.completeExceptionally(new ConnectionFailedException(why));
    }
    closeQuic(CloseHandshake.CLOSE_RESET, why);
  }

  @Override
  public void onControl(int frame) {
    switch (frame) {
      case StreamFrames.HELLO -> {
        if (dialler || lifecycle.state() != ConnectionState.AUTHENTICATING) {
          onStreamError(new ProtocolException("unexpected HELLO"));
          return;
        }
        writeControl(StreamFrames.HELLO_ACK);
        becomeConnected("peer " + peer.shortString() + " authenticated");
        provider.accepted(this);
      }
      case StreamFrames.HELLO_ACK -> {
        if (!dialler || lifecycle.state() != ConnectionState.AUTHENTICATING) {
          onStreamError(new ProtocolException("unexpected HELLO_ACK"));
          return;
        }
        becomeConnected("peer " + peer.shortString() + " authenticated and accepted");
        established.complete(this);
      }
      case StreamFrames.PING -> {}
      case StreamFrames.CLOSE -> {
        sampler.refresh();
        handshake.closeReceived();
      }
      case StreamFrames.CLOSE_ACK -> {
        sampler.refresh();
        handshake.closeAckReceived();
      }
      default -> log.debug("{}: ignoring unknown control frame {}", this, frame);
    }
  }

  private void becomeConnected(String reason) {
    lifecycle.transition(ConnectionState.CONNECTED, reason);
    long every = settings.keepAlive().toMillis();
    keepAlive =
        loop.scheduleAtFixedRate(
            () -> {
              writeControl(StreamFrames.PING);
              receipts.maybeReport(stream, true);
              sampler.refresh();
            },
            every,
            every,
            TimeUnit.MILLISECONDS);
    watchLiveness();
  }

  /**
   * Declares the peer gone once no packet came from it for the idle timeout. QUIC has its own idle
   * timer, but with data in flight quiche noticed a vanished peer only after several times the
   * configured value; the path layer's last-packet time is exact.
   */
  private void watchLiveness() {
    if (path == null) {
      return;
    }
    long idle = settings.idleTimeout().toNanos();
    long every = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idle / 8);
    liveness =
        loop.scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - path.lastActivityNanos > idle && quic.isActive()) {
                closeQuic(
                    CloseHandshake.CLOSE_RESET,
                    "no packet from the peer for "
                        + CloseHandshake.describe(settings.idleTimeout()));
              }
            },
            every,
            every,
            TimeUnit.NANOSECONDS);
  }

  // ---- the end ----

  /**
   * The QUIC connection is gone (closed by either side, idle timeout, reset, error). Loop.
   *
   * @param peerReason why the peer closed it, if it told us; null otherwise
   * @param peerClosedNormally the peer closed with code 0, the last step of a graceful close
   */
  void onQuicClosed(String peerReason, boolean peerClosedNormally) {
    if (keepAlive != null) {
      keepAlive.cancel(false);
      liveness.cancel(false);
    }
    String reason = closeReason(peerReason);
    CompletableFuture<P2PConnection> e = established;
    if (e != null && !e.isDone()) {
      e.completeExceptionally(
          new ConnectionFailedException("the connection ended during set-up (" + reason + ")"));
    }
    handshake.quicClosed(reason, peerClosedNormally);
    inbox.fail(() -> lifecycle.closedError("receive"));
    if (path != null) {
      path.removeObserver(this);
      path.users.decrementAndGet();
    }
  }

  private String closeReason(String peerReason) {
    if (localCloseReason != null) {
      return localCloseReason;
    }
    if (peerReason != null) {
      return peerReason;
    }
    if (quic.isTimedOut()) {
      return "no packet from the peer for " + CloseHandshake.describe(settings.idleTimeout());
    }
    if (path != null && path.resetSeen()) {
      return "the peer no longer knows this connection (it restarted or lost its state; QUIC"
          + " stateless reset)";
    }
    return "the QUIC connection closed";
  }

  @Override
  public void closeQuic(int code, String reason) {
    if (localCloseReason == null) {
      localCloseReason = reason;
    }
    byte[] why = code == CloseHandshake.CLOSE_NORMAL ? new byte[0] : utf8(reason);
    quic.close(true, code, quic.alloc().buffer(why.length).writeBytes(why));
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= 200 ? b : java.util.Arrays.copyOf(b, 200);
  }

  @Override
  public void onStreamError(Throwable cause) {
    log.debug("{}: stream error", this, cause);
    closeQuic(CloseHandshake.CLOSE_PROTOCOL_ERROR, "protocol error: " + cause.getMessage());
  }

  @Override
  public void onStreamEnd() {
    closeQuic(
        CloseHandshake.CLOSE_PROTOCOL_ERROR, "the peer ended the message stream without a close");
  }

  @Override
  public void close() {
    if (!lifecycle.transition(ConnectionState.DISCONNECTING, "closed locally")) {
      return; // already closing (either side) or closed
    }
    inbox.fail(() -> lifecycle.closedError("receive"));
    onLoop(
        () -> {
          sampler.refresh(); // the last figures stay readable after close
          if (quic.isActive()) {
            // What arrives from now on is dropped, but CLOSE_ACK must be read.
            readToTheEnd = true;
            QuicStreamChannel s = stream;
            if (s != null) {
              s.config().setAutoRead(true);
            }
            handshake.closeLocally();
          }
        });
  }

  /** Ends the connection at once, without waiting for the peer: the provider's linger passed. */
  void reset(String why) {
    onLoop(
        () -> {
          if (quic.isActive()) {
            closeQuic(CloseHandshake.CLOSE_RESET, why);
          }
        });
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      try {
        loop.execute(task);
      } catch (RejectedExecutionException e) {
        log.debug("{}: event loop gone; {} not run", this, task);
      }
    }
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return lifecycle.closeFuture();
  }

  // ---- sending ----

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    if (lifecycle.isClosing()) {
      return CompletableFuture.failedFuture(lifecycle.closedError("send"));
    }
    if (delivery == Delivery.UNRELIABLE) {
      return datagrams.send(message);
    }
    if (message.length > settings.maxMessageSize()) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(
              message.length, settings.maxMessageSize(), "maximum message size"));
    }
    return outbox.send(message);
  }

  @Override
  public boolean streamOpen() {
    QuicStreamChannel s = stream;
    return s != null && s.isActive();
  }

  @Override
  public void writeControl(int frame) {
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
    return datagrams.limit();
  }

  void onDatagramLimit(int maxLength) {
    datagrams.maxFrameLength(maxLength);
  }

  // ---- receiving ----

  @Override
  public void onMessage(byte[] message) {
    if (lifecycle.state() == ConnectionState.AUTHENTICATING) {
      onStreamError(new ProtocolException("message before the handshake finished"));
      return;
    }
    receipts.read(message.length);
    if (inbox.offer(message, true)) {
      counters.received(message.length);
    }
  }

  @Override
  public void onReceipt(long messages, long bytes) {
    receipts.peerRead(messages, bytes);
  }

  @Override
  public void onReadComplete() {
    receipts.maybeReport(stream, false);
  }

  /** A DATAGRAM frame arrived. Loop. */
  void onDatagram(ByteBuf content) {
    if (lifecycle.state() != ConnectionState.CONNECTED) {
      return;
    }
    byte[] message = datagrams.received(content);
    if (message != null && inbox.offer(message, false)) {
      counters.received(message.length);
    }
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    return inbox.recv();
  }

  @Override
  public Flow.Publisher<byte[]> messages() {
    return inbox;
  }

  /** The inbox filled up or drained: stop or resume reading the stream (QUIC flow control). */
  @Override
  public void readabilityChanged() {
    onLoop(
        () -> {
          QuicStreamChannel s = stream;
          if (s != null) {
            s.config().setAutoRead(wantsToRead());
          }
        });
  }

  private boolean wantsToRead() {
    return readToTheEnd || inbox.wantsMore();
  }

  @Override
  public void consumerCancelled() {
    close();
  }

  // ---- observation ----

  @Override
  public PeerId peerId() {
    return peer;
  }

  @Override
  public ConnectionState state() {
    return lifecycle.state();
  }

  @Override
  public Path path() {
    return lifecycle.path();
  }

  @Override
  public void addListener(ConnectionListener listener) {
    lifecycle.addListener(listener);
  }

  @Override
  public void pathChanged(PeerPath p, InetSocketAddress previous, InetSocketAddress current) {
    lifecycle.pathChanged(
        Path.direct(current),
        previous == null
            ? "the peer answered at " + current
            : "direct path moved from " + previous + " to " + current);
  }

  @Override
  public ConnectionStats stats() {
    sampler.refreshFromAnyThread();
    return counters.stats(sampler.rtt(), sampler.loss(), lifecycle.path().type());
  }

  /** UNRELIABLE messages that never arrived (sender queue drops and network loss). */
  long datagramGaps() {
    return datagrams.gaps();
  }

  /** UNRELIABLE messages dropped here because nobody was reading. */
  long datagramsDroppedInbound() {
    return inbox.droppedUnreliable();
  }

  @Override
  public String toString() {
    return "QuicPeerChannel[" + peer.shortString() + (dialler ? " dialled" : " accepted") + "]";
  }

  /** For the provider's close: the error of a connection it reset. */
  ConnectionClosedException closedError(String operation) {
    return lifecycle.closedError(operation);
  }
}
