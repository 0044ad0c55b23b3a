package dev.p2p.tunnel.internal;

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
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.ScheduledFuture;
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
 * The client's TCP session with the tunnel server: which server, registration, and after a loss
 * reconnecting with exponential backoff. The channel's own events come from its {@link
 * SessionHandler}, pings from {@link KeepAlive}; frames about connections go to the {@link
 * TunnelProvider}.
 *
 * <p>All state changes happen on the provider's single event loop.
 */
final class TunnelSession {
  private static final Logger log = LoggerFactory.getLogger(TunnelSession.class);

  /** Payload per DATA frame: big enough to amortise the header, small enough to interleave. */
  private static final int PREFERRED_PAYLOAD = 64 * 1024;

  private static final long BACKOFF_INITIAL_MS = 100;
  private static final long BACKOFF_MAX_MS = 5_000;

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
  private final KeepAlive keepAlive;

  private volatile Phase phase = Phase.IDLE;
  private volatile Channel channel;
  private volatile OutboundQueue outbound;
  private volatile int maxPayload = PREFERRED_PAYLOAD;
  private InetSocketAddress server;
  private CompletableFuture<Void> registered = new CompletableFuture<>();
  private P2PException permanentError;
  private boolean everRegistered;
  private long backoffMs = BACKOFF_INITIAL_MS;
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
    this.keepAlive = new KeepAlive(this, settings.transport());
  }

  TunnelProvider provider() {
    return provider;
  }

  TunnelClientSettings settings() {
    return settings;
  }

  int maxPayloadPerFrame() {
    return maxPayload;
  }

  long rttNanos() {
    return keepAlive.rttNanos();
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
                "no tunnel server configured: set P2P_TUNNEL_SERVER=host:port, pass"
                    + " \"host:port\" to listen(), or connect with a ticket that names one"));
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

  /**
   * As {@link #ensureRegistered}, with {@code fallback} as the server only if none is chosen or
   * configured yet. Runs on the loop.
   */
  CompletableFuture<Void> ensureRegisteredOr(Optional<InetSocketAddress> fallback) {
    boolean unchosen = server == null && settings.server().isEmpty();
    return ensureRegistered(unchosen ? fallback : Optional.empty());
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
        SessionHandler.bootstrap(
            loop,
            settings.connectTimeout(),
            ssl,
            server,
            () -> new SessionHandler(this, identity, settings, keepAlive));
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

  void onRegistered(TunnelFrame.Registered frame, Channel ch) {
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
    keepAlive.start(ch, frame.idleTimeoutMillis());
    log.debug("registered {} with {}", identity.peerId().shortString(), serverText());
    registered.complete(null);
    provider.sessionRegistered(reconnect);
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
          keepAlive.stop();
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

  // ---- what the channel's handler reports, on the event loop ----

  /** A frame about connections: the provider's, once registered. */
  void onConnectionFrame(TunnelFrame frame) {
    if (phase == Phase.REGISTERED) {
      provider.onFrame(frame);
    } else if (frame instanceof DataFrame data) {
      data.release();
    }
  }

  /** The server refused in a way a retry cannot fix (bad key, banned): stop retrying. */
  void failPermanently(P2PException error) {
    permanentError = error;
  }

  void writabilityChanged(Channel ch) {
    if (ch == channel) {
      drainWaiters();
    }
  }

  void channelLost(Channel ch) {
    if (ch != channel) {
      return;
    }
    outbound.discard();
    keepAlive.stop();
    drainWaiters();
    if (phase == Phase.REGISTERED) {
      provider.sessionLost("the connection to the tunnel server " + serverText() + " was lost");
    }
    attemptFailed(
        new ConnectionFailedException(
            "the tunnel server "
                + serverText()
                + " closed the connection before registration completed"));
  }
}
