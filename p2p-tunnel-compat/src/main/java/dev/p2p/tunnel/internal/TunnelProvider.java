package dev.p2p.tunnel.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.core.CloseLinger;
import dev.p2p.core.TransportSettings;
import dev.p2p.identity.Ed25519Identity;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The "tunnel" provider: every connection goes through one tunnel server ({@code
 * P2P_TUNNEL_SERVER}), so every path is {@link dev.p2p.api.PathType#RELAYED}. UNRELIABLE messages
 * are carried reliably and in order, like RELIABLE ones: the tunnel is one TCP stream.
 *
 * <p>One event-loop thread per provider. The connection tables are only changed on it.
 */
public final class TunnelProvider implements P2PProvider {
  public static final String NAME = "tunnel";

  private static final Logger log = LoggerFactory.getLogger(TunnelProvider.class);

  private final Ed25519Identity identity;
  private final TunnelClientSettings settings;
  private final NamedThreadFactory threads;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final TunnelSession session;
  private final ConnectionTable table = new ConnectionTable();
  private final Connector connector;

  private final List<TunnelListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean closed;

  public TunnelProvider(P2PConfig config) {
    this(Ed25519Identity.fromConfig(config), TunnelClientSettings.from(config));
  }

  public TunnelProvider(Ed25519Identity identity, TunnelClientSettings settings) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.settings = Objects.requireNonNull(settings, "settings");
    Optional<SslContext> ssl = buildSsl(settings);
    this.threads = new NamedThreadFactory("p2p-tunnel-" + identity.peerId().shortString());
    this.group = new MultiThreadIoEventLoopGroup(1, threads, NioIoHandler.newFactory());
    this.loop = group.next();
    this.session = new TunnelSession(this, identity, settings, loop, ssl);
    this.connector = new Connector(identity.peerId(), session, table, settings, this::openListener);
  }

  private static Optional<SslContext> buildSsl(TunnelClientSettings settings) {
    if (!settings.tls()) {
      return Optional.empty();
    }
    try {
      SslContextBuilder builder = SslContextBuilder.forClient();
      settings.tlsTrust().ifPresent(path -> builder.trustManager(path.toFile()));
      return Optional.of(builder.build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new ConfigurationException(
          "cannot use "
              + TunnelClientSettings.TLS_TRUST
              + " "
              + settings.tlsTrust().map(Object::toString).orElse("(JDK trust store)")
              + ": "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PeerId localPeerId() {
    return identity.peerId();
  }

  /**
   * Registers with the tunnel server and accepts connections.
   *
   * @param addr the server as {@code host:port}, or empty for {@code P2P_TUNNEL_SERVER}
   */
  @Override
  public CompletableFuture<P2PListener> listen(String addr) {
    Optional<InetSocketAddress> requested;
    try {
      requested =
          addr == null || addr.isBlank()
              ? Optional.empty()
              : Optional.of(TunnelClientSettings.parseServer(addr, "the listen address"));
    } catch (ConfigurationException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!listeners.isEmpty()) {
      return CompletableFuture.failedFuture(alreadyListening());
    }
    return onLoop(() -> session.ensureRegistered(requested))
        .thenApply(
            v -> {
              if (closed) {
                throw new ConnectionClosedException("the tunnel provider is closed");
              }
              synchronized (listeners) {
                if (!listeners.isEmpty()) {
                  throw alreadyListening();
                }
                TunnelListener listener =
                    new TunnelListener(this, session.serverText(), ownAddress());
                listeners.add(listener);
                return listener;
              }
            });
  }

  private IllegalStateException alreadyListening() {
    return new IllegalStateException(
        "already listening through tunnel server "
            + session.serverText()
            + "; close that listener before listening again");
  }

  private PeerAddress ownAddress() {
    return new PeerAddress(identity.peerId(), Optional.of(session.serverUri()), List.of());
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    return connect(peer, Optional.empty());
  }

  /**
   * The tunnel server finds the peer; direct addresses are ignored. A ticket's {@code
   * tunnel://host:port} (a tunnel listener's ticket names its server) is the server to use when
   * this provider has none (no {@code P2P_TUNNEL_SERVER}, no earlier listen or connect), so a
   * ticket alone is enough to dial; otherwise the provider's own server is used, as before.
   */
  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    Objects.requireNonNull(peer, "peer");
    Optional<InetSocketAddress> server;
    try {
      server =
          peer.relay()
              .filter(r -> "tunnel".equals(r.getScheme()))
              .map(
                  r ->
                      TunnelClientSettings.parseServer(r.toString(), "the ticket's tunnel server"));
    } catch (ConfigurationException e) {
      return CompletableFuture.failedFuture(e);
    }
    return connect(peer.peerId(), server);
  }

  private CompletableFuture<P2PConnection> connect(
      PeerId peer, Optional<InetSocketAddress> ticketServer) {
    Objects.requireNonNull(peer, "peer");
    if (peer.equals(identity.peerId())) {
      return CompletableFuture.failedFuture(
          new ConnectionFailedException(
              "cannot connect to this provider's own peer id through the tunnel"));
    }
    return onLoop(() -> session.ensureRegisteredOr(ticketServer))
        .thenCompose(v -> onLoop(() -> open(peer)));
  }

  private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> action) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the tunnel provider is closed"));
    }
    if (loop.inEventLoop()) {
      return action.get();
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      loop.execute(
          () ->
              action
                  .get()
                  .whenComplete(
                      (v, e) -> {
                        if (e != null) {
                          result.completeExceptionally(e);
                        } else {
                          result.complete(v);
                        }
                      }));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(new ConnectionClosedException("the tunnel provider is closed"));
    }
    return result;
  }

  private CompletableFuture<P2PConnection> open(PeerId peer) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the tunnel provider is closed"));
    }
    return connector.open(peer);
  }

  private TunnelListener openListener() {
    for (int i = listeners.size() - 1; i >= 0; i--) {
      TunnelListener l = listeners.get(i);
      if (l.isOpen()) {
        return l;
      }
    }
    return null;
  }

  // ---- frames from the server, on the event loop ----

  void onFrame(TunnelFrame frame) {
    if (frame instanceof DataFrame data) {
      TunnelConnection c = table.byId(data.connectionId());
      if (c == null) {
        data.release();
      } else {
        c.onData(data);
      }
    } else if (frame instanceof TunnelFrame.WindowUpdate w) {
      TunnelConnection c = table.byId(w.connectionId());
      if (c != null) {
        c.onWindowUpdate(w.increment(), w.acknowledges());
      }
    } else if (frame instanceof TunnelFrame.ConnectRequest r) {
      connector.onRequest(r, closed);
    } else if (frame instanceof TunnelFrame.ConnectAccepted a) {
      connector.onAccepted(a, closed);
    } else if (frame instanceof TunnelFrame.FailedConnect f) {
      connector.onFailed(f);
    } else if (frame instanceof TunnelFrame.ConnectionEnd e) {
      TunnelConnection c = table.byId(e.connectionId());
      if (c != null) {
        c.onPeerEnd(e.reason());
      }
    } else if (frame instanceof TunnelFrame.EndAck a) {
      TunnelConnection c = table.byId(a.connectionId());
      if (c != null) {
        c.onEndAck();
      }
    } else if (frame instanceof TunnelFrame.Reset r) {
      TunnelConnection c = table.byId(r.connectionId());
      if (c != null) {
        c.reset(r.reason(), false);
      }
    } else {
      log.debug("ignoring unexpected {} from the tunnel server", frame.type());
    }
  }

  /** A connection is closed (or reset): its id and port are free. Event loop only. */
  void forget(TunnelConnection c) {
    table.remove(c);
  }

  // ---- session events, on the event loop ----

  void sessionRegistered(boolean reconnect) {
    if (reconnect) {
      connector.resumeAll();
    }
  }

  void sessionLost(String reason) {
    connector.sessionLost(reason);
    table.clearIds();
    for (TunnelConnection c : table.snapshot()) {
      c.serverLost(reason, settings.reconnectTimeout());
    }
  }

  void sessionFailed(P2PException error) {
    connector.failAll(error);
    for (TunnelConnection c : table.snapshot()) {
      c.reset(error.getMessage(), true);
    }
    for (TunnelListener l : listeners) {
      l.close();
    }
  }

  void listenerClosed(TunnelListener listener, List<P2PConnection> unaccepted) {
    synchronized (listeners) {
      listeners.remove(listener);
    }
    if (!unaccepted.isEmpty()) {
      session.execute(
          () -> {
            for (P2PConnection c : unaccepted) {
              ((TunnelConnection) c)
                  .fail("the listener was closed before the connection was accepted");
            }
          });
    }
  }

  /**
   * Closes listeners, then every connection gracefully, waits for their close futures up to the
   * linger ({@code P2P_CLOSE_LINGER_MS}), resets what is left, leaves the server and ends the
   * thread. Called on the provider's own thread (from a callback) it cannot wait: it resets at
   * once.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Duration linger = loop.inEventLoop() ? Duration.ZERO : settings.transport().closeLinger();
    CompletableFuture<List<CompletableFuture<Void>>> closing =
        onLoopValue(() -> beginShutdown(!linger.isZero()));
    List<CompletableFuture<Void>> closeFutures = awaitLoop(closing, List.of());
    if (!CloseLinger.await(closeFutures, linger) && !linger.isZero()) {
      log.debug("connections still closing after {} ms; resetting them", linger.toMillis());
    }
    String reset =
        "the provider was closed before the peer acknowledged everything ("
            + TransportSettings.CLOSE_LINGER_MS
            + "="
            + linger.toMillis()
            + ")";
    awaitLoop(
        onLoopValue(
            () -> {
              for (TunnelConnection c : table.snapshot()) {
                c.reset(reset, true);
              }
              session.close();
              return null;
            }),
        null);
    if (loop.inEventLoop()) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
      return;
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    threads.joinAll(Duration.ofSeconds(2));
  }

  /** Closes listeners, fails pending connects, begins closing every connection. Event loop. */
  private List<CompletableFuture<Void>> beginShutdown(boolean graceful) {
    for (TunnelListener l : List.copyOf(listeners)) {
      l.close();
    }
    connector.failAll(new ConnectionClosedException("the tunnel provider is closed"));
    List<CompletableFuture<Void>> futures = new ArrayList<>();
    if (graceful) {
      for (TunnelConnection c : table.snapshot()) {
        c.beginClose("the provider was closed");
        futures.add(c.closeFuture());
      }
    }
    return futures;
  }

  /** A bounded wait for work on the loop; {@code fallback} if the loop is gone or stuck. */
  private static <T> T awaitLoop(CompletableFuture<T> f, T fallback) {
    try {
      T v = f.get(5, TimeUnit.SECONDS);
      return v == null ? fallback : v;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return fallback;
    } catch (Exception e) {
      log.warn("closing the tunnel provider took too long", e);
      return fallback;
    }
  }

  /** Runs {@code action} on the loop (inline if already there); null once the loop is gone. */
  private <T> CompletableFuture<T> onLoopValue(Supplier<T> action) {
    if (loop.inEventLoop()) {
      return CompletableFuture.completedFuture(action.get());
    }
    try {
      return CompletableFuture.supplyAsync(action, loop);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null);
    }
  }

  @Override
  public String toString() {
    return "TunnelProvider[" + identity.peerId().shortString() + "]";
  }

  /** For tests: connections currently open, closing or resuming. */
  int openConnectionCount() {
    return table.size();
  }
}
