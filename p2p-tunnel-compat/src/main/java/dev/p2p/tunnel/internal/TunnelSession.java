package dev.p2p.tunnel.internal;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.Path;
import dev.p2p.core.Timeouts;
import dev.p2p.core.TransportSettings;
import dev.p2p.identity.Ed25519Identity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's TCP session with the tunnel server: connect, register (prove the key), keep alive
 * with pings, and after a loss reconnect with exponential backoff. Frames about connections go to
 * the {@link TunnelProvider}.
 *
 * <p>All state changes happen on the provider's single event loop.
 */
final class TunnelSession {
  private static final Logger log = LoggerFactory.getLogger(TunnelSession.class);

  /** Payload per DATA frame: big enough to amortise the header, small enough to interleave. */
  private static final int PREFERRED_PAYLOAD = 64 * 1024;

  private static final long BACKOFF_INITIAL_MS = 100;
  private static final long BACKOFF_MAX_MS = 5_000;

  /** Queue toward the server; a send completes once its bytes fit under the high mark. */
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

  private enum Phase {
    IDLE,
    CONNECTING,
    REGISTERED,
    RECONNECTING,
    FAILED,
    CLOSED
  }

  private final TunnelProvider provider;
  private final Ed25519Identity identity;
  private final TunnelClientSettings settings;
  private final EventLoop loop;
  private final Optional<SslContext> ssl;
  private final WritableWaiters writable =
      new WritableWaiters(() -> this.outbound, this::serverText);

  private volatile Phase phase = Phase.IDLE;
  private volatile Channel channel;
  private volatile OutboundQueue outbound;
  private volatile int maxPayload = PREFERRED_PAYLOAD;
  private volatile long rttNanos;
  private InetSocketAddress server;
  private CompletableFuture<Void> registered = new CompletableFuture<>();
  private P2PException permanentError;
  private boolean everRegistered;
  private long backoffMs = BACKOFF_INITIAL_MS;
  private long lastReadNanos;
  private ScheduledFuture<?> pingTask;
  private ScheduledFuture<?> registrationTimer;

  TunnelSession(
      TunnelProvider provider,
      Ed25519Identity identity,
      TunnelClientSettings settings,
      EventLoop loop,
      Optional<SslContext> ssl) {
    this.provider = provider;
    this.identity = identity;
    this.settings = settings;
    this.loop = loop;
    this.ssl = ssl;
  }

  TunnelProvider provider() {
    return provider;
  }

  TunnelClientSettings settings() {
    return settings;
  }

  Channel channel() {
    return channel;
  }

  int maxPayloadPerFrame() {
    return maxPayload;
  }

  long rttNanos() {
    return rttNanos;
  }

  boolean isRegistered() {
    return phase == Phase.REGISTERED;
  }

  /** The server as {@code tunnel://host:port}: the relay of every connection's path. */
  URI serverUri() {
    String host = server.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    return URI.create("tunnel://" + host + ":" + server.getPort());
  }

  Path path() {
    return Path.relayed(serverUri());
  }

  /** The server this session uses, as {@code host:port}. */
  String serverText() {
    InetSocketAddress s = server;
    return s == null ? "" : s.getHostString() + ":" + s.getPort();
  }

  /** Runs {@code task} on the event loop; a no-op once the provider has shut it down. */
  void execute(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      try {
        loop.execute(task);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        log.debug("provider closed; dropping a task");
      }
    }
  }

  ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    return loop.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Completes once registered with the server, starting the session if needed. Runs on the loop.
   *
   * @param requested the server named by {@code listen(addr)}, if any
   */
  CompletableFuture<Void> ensureRegistered(Optional<InetSocketAddress> requested) {
    if (phase == Phase.CLOSED) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the tunnel provider is closed"));
    }
    if (requested.isPresent() && server != null && !sameServer(requested.get(), server)) {
      return CompletableFuture.failedFuture(
          new ConfigurationException(
              "this provider already uses tunnel server "
                  + serverText()
                  + "; a provider talks to one server, open another provider for "
                  + requested.get().getHostString()
                  + ":"
                  + requested.get().getPort()));
    }
    if (server == null) {
      Optional<InetSocketAddress> chosen = requested.or(settings::server);
      if (chosen.isEmpty()) {
        return CompletableFuture.failedFuture(
            new ConfigurationException(
                "no tunnel server configured: set P2P_TUNNEL_SERVER=host:port or pass"
                    + " \"host:port\" to listen()"));
      }
      server = chosen.get();
    }
    switch (phase) {
      case REGISTERED:
        return CompletableFuture.completedFuture(null);
      case FAILED:
        return CompletableFuture.failedFuture(permanentError);
      case IDLE:
        startAttempt();
        break;
      default:
        break;
    }
    return withTimeout(registered, settings.connectTimeout(), "registering with the tunnel server");
  }

  private static boolean sameServer(InetSocketAddress a, InetSocketAddress b) {
    return a.getPort() == b.getPort() && a.getHostString().equalsIgnoreCase(b.getHostString());
  }

  /** A copy of {@code f} that fails with a timeout on the event loop (no extra threads). */
  private <T> CompletableFuture<T> withTimeout(
      CompletableFuture<T> f, Duration timeout, String what) {
    return Timeouts.failAfter(
        f.copy(),
        timeout,
        loop,
        () ->
            new P2PTimeoutException(
                what
                    + " took longer than "
                    + timeout.toMillis()
                    + " ms; check that the server at "
                    + serverText()
                    + " runs ("
                    + TransportSettings.CONNECT_TIMEOUT_MS
                    + ")"));
  }

  private void startAttempt() {
    if (phase != Phase.RECONNECTING) {
      phase = Phase.CONNECTING;
    }
    if (registered.isDone()) {
      registered = new CompletableFuture<>();
    }
    InetSocketAddress target = new InetSocketAddress(server.getHostString(), server.getPort());
    if (target.isUnresolved()) {
      attemptFailed(
          new ConnectionFailedException(
              "cannot resolve tunnel server host " + serverText() + "; check P2P_TUNNEL_SERVER"));
      return;
    }
    Bootstrap bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, settings.connectTimeout().toMillis()))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ssl.ifPresent(
                        ctx ->
                            ch.pipeline()
                                .addLast(
                                    ctx.newHandler(
                                        ch.alloc(), server.getHostString(), server.getPort())));
                    ch.pipeline()
                        .addLast(new TunnelFrameDecoder(64 * 1024))
                        .addLast(new ClientHandler());
                  }
                });
    ChannelFuture connect = bootstrap.connect(target);
    channel = connect.channel();
    outbound = new OutboundQueue(channel, this::drainWaiters);
    connect.addListener(
        f -> {
          if (!f.isSuccess()) {
            attemptFailed(
                new ConnectionFailedException(
                    "cannot reach the tunnel server at "
                        + serverText()
                        + ": "
                        + f.cause().getMessage()
                        + "; check P2P_TUNNEL_SERVER and that the server runs",
                    f.cause()));
          }
        });
    registrationTimer =
        schedule(
            () -> {
              if (phase != Phase.REGISTERED && connect.channel().isOpen()) {
                log.debug("registration with {} timed out", serverText());
                connect.channel().close();
              }
            },
            settings.connectTimeout());
  }

  /** A connect or registration attempt failed (or a registered session was lost). */
  private void attemptFailed(P2PException error) {
    if (phase == Phase.CLOSED) {
      return;
    }
    if (registrationTimer != null) {
      registrationTimer.cancel(false);
    }
    if (permanentError != null) {
      phase = Phase.FAILED;
      registered.completeExceptionally(permanentError);
      provider.sessionFailed(permanentError);
      return;
    }
    if (!everRegistered) {
      // Nobody has a connection yet: report to the caller, retry on its next call.
      phase = Phase.IDLE;
      registered.completeExceptionally(error);
      return;
    }
    phase = Phase.RECONNECTING;
    long jittered = backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 4 + 1);
    log.debug("tunnel server {} unreachable; retrying in {} ms", serverText(), jittered);
    backoffMs = Math.min(BACKOFF_MAX_MS, backoffMs * 2);
    schedule(
        () -> {
          if (phase == Phase.RECONNECTING) {
            startAttempt();
          }
        },
        Duration.ofMillis(jittered));
  }

  private void onRegistered(TunnelFrame.Registered frame, Channel ch) {
    if (registrationTimer != null) {
      registrationTimer.cancel(false);
    }
    boolean reconnect = everRegistered;
    everRegistered = true;
    backoffMs = BACKOFF_INITIAL_MS;
    maxPayload =
        Math.min(PREFERRED_PAYLOAD, frame.maxFrameSize() - TunnelProtocol.DATA_HEADER_SIZE);
    TunnelFrameDecoder decoder = ch.pipeline().get(TunnelFrameDecoder.class);
    decoder.maxFrameSize(Math.max(frame.maxFrameSize(), 64 * 1024));
    phase = Phase.REGISTERED;
    long interval = settings.transport().keepAlive().toNanos();
    if (frame.idleTimeoutMillis() > 0) {
      interval = Math.min(interval, TimeUnit.MILLISECONDS.toNanos(frame.idleTimeoutMillis()) / 3);
    }
    long every = Math.max(interval, TimeUnit.MILLISECONDS.toNanos(10));
    // The first ping goes at once, so stats().rtt() has a sample one round trip after registering.
    pingTask = loop.scheduleAtFixedRate(() -> ping(ch), 0, every, TimeUnit.NANOSECONDS);
    log.debug("registered {} with {}", identity.peerId().shortString(), serverText());
    registered.complete(null);
    provider.sessionRegistered(reconnect);
  }

  private void ping(Channel ch) {
    if (!ch.isActive()) {
      return;
    }
    long now = System.nanoTime();
    // The channel is always read (flow control is per connection), so silence means the server.
    long idle = settings.transport().idleTimeout().toNanos();
    if (now - lastReadNanos > idle) {
      log.info(
          "no frame from tunnel server {} for {} ms ({}); reconnecting",
          serverText(),
          TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos),
          TransportSettings.IDLE_TIMEOUT_MS);
      ch.close();
      return;
    }
    send(ch, new TunnelFrame.Ping(now));
  }

  /** Writes and flushes a control frame. */
  void send(Channel ch, TunnelFrame frame) {
    if (ch != null) {
      ch.writeAndFlush(TunnelFrameCodec.encode(ch.alloc(), frame), ch.voidPromise());
    }
  }

  /** Writes a control frame on the current channel. */
  void send(TunnelFrame frame) {
    send(channel, frame);
  }

  /**
   * Queues a control frame behind the data frames already queued on {@code queue}, e.g. an end
   * frame that must follow the data sent just before it.
   */
  void sendOrdered(OutboundQueue queue, TunnelFrame frame) {
    if (queue != null) {
      queue.add(TunnelFrameCodec.encode(queue.channel().alloc(), frame));
      queue.schedule();
    }
  }

  /** The queue for the current server channel, to bind a connection to when it opens. */
  OutboundQueue outbound() {
    return outbound;
  }

  /** Completes when the queue toward the server has room: a send is then accepted. */
  CompletableFuture<Void> whenWritable(OutboundQueue queue, TunnelConnection connection) {
    return writable.whenWritable(queue, connection);
  }

  private void drainWaiters() {
    writable.drain();
  }

  /** Fails the sends of one connection still waiting for room. */
  void failWaiters(TunnelConnection connection, RuntimeException error) {
    writable.fail(connection, error);
  }

  void close() {
    execute(
        () -> {
          if (phase == Phase.CLOSED) {
            return;
          }
          phase = Phase.CLOSED;
          if (pingTask != null) {
            pingTask.cancel(false);
          }
          if (registrationTimer != null) {
            registrationTimer.cancel(false);
          }
          registered.completeExceptionally(
              new ConnectionClosedException("the tunnel provider is closed"));
          Channel ch = channel;
          if (ch != null) {
            // After the end frames already queued by the provider.
            ch.eventLoop().execute(ch::close);
          }
        });
  }

  private final class ClientHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      lastReadNanos = System.nanoTime();
      send(
          ctx.channel(),
          new TunnelFrame.Register(
              identity.peerId(),
              settings.appId(),
              settings.token(),
              TunnelProtocol.FEATURE_FLOW_CONTROL));
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      lastReadNanos = System.nanoTime();
      TunnelFrame frame = (TunnelFrame) msg;
      switch (frame.type()) {
        case CHALLENGE -> {
          byte[] nonce = ((TunnelFrame.Challenge) frame).nonce();
          byte[] signed =
              TunnelProtocol.signedChallenge(nonce, identity.peerId(), settings.appId());
          send(ctx.channel(), new TunnelFrame.ChallengeResponse(identity.sign(signed)));
        }
        case REGISTERED -> onRegistered((TunnelFrame.Registered) frame, ctx.channel());
        case PING -> send(ctx.channel(), new TunnelFrame.Pong(((TunnelFrame.Ping) frame).token()));
        case PONG -> rttNanos = System.nanoTime() - ((TunnelFrame.Pong) frame).token();
        case ERROR -> onError((TunnelFrame.Error) frame, ctx);
        default -> {
          if (phase == Phase.REGISTERED) {
            provider.onFrame(frame);
          } else if (frame instanceof DataFrame data) {
            data.release();
          }
        }
      }
    }

    private void onError(TunnelFrame.Error error, ChannelHandlerContext ctx) {
      String text = "tunnel server " + serverText() + " closed the session: " + error.message();
      if (phase != Phase.REGISTERED && error.code() == ErrorCode.MALFORMED_FRAME) {
        // A server older than flow control cannot read this client's REGISTER.
        text += " (a server without flow control? upgrade the tunnel server before its clients)";
      }
      log.debug("{} ({})", text, error.code());
      if (error.code().isPermanent()) {
        permanentError =
            switch (error.code()) {
              case AUTHENTICATION_FAILED, ACCESS_DENIED, BANNED ->
                  new AuthenticationFailedException(text);
              default -> new ConnectionFailedException(text);
            };
      }
      ctx.close();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel) {
        drainWaiters();
      }
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (ctx.channel() == channel) {
        outbound.discard();
        if (pingTask != null) {
          pingTask.cancel(false);
        }
        drainWaiters();
        boolean wasRegistered = phase == Phase.REGISTERED;
        if (wasRegistered) {
          provider.sessionLost("the connection to the tunnel server " + serverText() + " was lost");
        }
        attemptFailed(
            new ConnectionFailedException(
                "the tunnel server "
                    + serverText()
                    + " closed the connection before registration completed"));
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable t =
          cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
      if (t instanceof TunnelProtocolException e) {
        log.warn("tunnel server {} sent a bad frame: {}", serverText(), e.getMessage());
        ctx.writeAndFlush(
                TunnelFrameCodec.encode(
                    ctx.alloc(), new TunnelFrame.Error(e.code(), e.getMessage())))
            .addListener(f -> ctx.close());
      } else if (t instanceof java.nio.channels.ClosedChannelException) {
        return; // a queued write failed because the channel closed: already handled
      } else if (t instanceof IOException) {
        log.debug("connection to tunnel server {} failed: {}", serverText(), t.toString());
        ctx.close();
      } else {
        log.warn("unexpected error in the tunnel session with {}", serverText(), t);
        ctx.close();
      }
    }
  }
}
