package dev.p2p.tunnel.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.server.ConnectionType;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
  private static final Duration RESUME_RETRY = Duration.ofMillis(200);

  private record ConnKey(PeerId peer, int virtualPort) {}

  private static final class PendingConnect {
    final int requestId;
    final TunnelConnection connection;
    final CompletableFuture<P2PConnection> future; // null when resuming
    ScheduledFuture<?> timer;

    PendingConnect(
        int requestId, TunnelConnection connection, CompletableFuture<P2PConnection> future) {
      this.requestId = requestId;
      this.connection = connection;
      this.future = future;
    }

    boolean resume() {
      return future == null;
    }
  }

  private final Ed25519Identity identity;
  private final TunnelClientSettings settings;
  private final NamedThreadFactory threads;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final TunnelSession session;

  // Event loop only (byId is read by nothing else but kept concurrent for stats in tests).
  private final Map<Long, TunnelConnection> byId = new ConcurrentHashMap<>();
  private final Map<ConnKey, TunnelConnection> byKey = new HashMap<>();
  private final Map<Integer, PendingConnect> pending = new HashMap<>();
  private int nextRequestId = 1;
  private int nextPort = 1;

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

  private ConfigurationException alreadyListening() {
    return new ConfigurationException(
        "already listening through tunnel server "
            + session.serverText()
            + "; close that listener before listening again");
  }

  private PeerAddress ownAddress() {
    String host = session.serverHost();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    URI relay = URI.create("tunnel://" + host + ":" + session.serverPort());
    return new PeerAddress(identity.peerId(), Optional.of(relay), List.of());
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    Objects.requireNonNull(peer, "peer");
    if (peer.equals(identity.peerId())) {
      return CompletableFuture.failedFuture(
          new ConnectionFailedException(
              "cannot connect to this provider's own peer id through the tunnel"));
    }
    return onLoop(() -> session.ensureRegistered(Optional.empty()))
        .thenCompose(v -> onLoop(() -> open(peer)));
  }

  /** Only the peer id is used: the tunnel server finds the peer, direct addresses are ignored. */
  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    return connect(peer.peerId());
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
    TunnelConnection connection = new TunnelConnection(session, peer, true, allocatePort(peer));
    CompletableFuture<P2PConnection> future = new CompletableFuture<>();
    PendingConnect p = new PendingConnect(nextRequestId++, connection, future);
    p.timer =
        session.schedule(
            () -> {
              if (pending.remove(p.requestId, p)) {
                future.completeExceptionally(
                    new P2PTimeoutException(
                        "peer "
                            + peer.shortString()
                            + " did not answer within "
                            + settings.connectTimeout().toMillis()
                            + " ms (P2P_TUNNEL_CONNECT_TIMEOUT_MS)"));
              }
            },
            settings.connectTimeout());
    pending.put(p.requestId, p);
    sendRequest(p, false);
    return future;
  }

  private void sendRequest(PendingConnect p, boolean resume) {
    TunnelConnection c = p.connection;
    session.send(
        new TunnelFrame.ConnectRequest(
            p.requestId,
            0,
            c.peerId(),
            ConnectionType.NETWORKING_SOCKETS,
            c.virtualPort(),
            TunnelConnection.CHANNEL_RELIABLE,
            resume ? c.nextSendNumber() : 0,
            resume));
  }

  /**
   * Virtual ports are unique per provider; the peer with the smaller id uses even ports and the
   * other odd ones, so two peers dialling each other never pick the same port.
   */
  private int allocatePort(PeerId peer) {
    int n = nextPort++ & 0x3FFF_FFFF;
    return (n << 1) | (identity.peerId().compareTo(peer) < 0 ? 0 : 1);
  }

  // ---- frames from the server, on the event loop ----

  void onFrame(TunnelFrame frame) {
    if (frame instanceof DataFrame data) {
      TunnelConnection c = byId.get(data.connectionId());
      if (c == null) {
        data.release();
      } else {
        c.onData(data);
      }
    } else if (frame instanceof TunnelFrame.ConnectRequest r) {
      if (r.resume()) {
        onResumeRequest(r);
      } else {
        onIncoming(r);
      }
    } else if (frame instanceof TunnelFrame.ConnectAccepted a) {
      onAccepted(a);
    } else if (frame instanceof TunnelFrame.FailedConnect f) {
      onFailed(f);
    } else if (frame instanceof TunnelFrame.ConnectionEnd e) {
      onEnd(e);
    } else {
      log.debug("ignoring unexpected {} from the tunnel server", frame.type());
    }
  }

  private void onIncoming(TunnelFrame.ConnectRequest r) {
    TunnelListener listener = null;
    for (int i = listeners.size() - 1; i >= 0 && listener == null; i--) {
      TunnelListener l = listeners.get(i);
      if (l.isOpen()) {
        listener = l;
      }
    }
    if (listener == null || closed) {
      session.send(
          new TunnelFrame.FailedConnect(
              0,
              r.connectionId(),
              r.peer(),
              FailReason.REFUSED,
              "peer " + identity.peerId() + " is not listening"));
      return;
    }
    TunnelConnection c = new TunnelConnection(session, r.peer(), false, r.virtualPort());
    c.opened(r.connectionId());
    byId.put(r.connectionId(), c);
    byKey.put(new ConnKey(r.peer(), r.virtualPort()), c);
    // Accept before handing it out: the application may send at once.
    session.send(new TunnelFrame.ConnectAccepted(0, r.connectionId(), r.peer(), 0));
    if (!listener.offer(c)) {
      closeConnection(
          c, "refused: the listener's backlog of " + TunnelListener.BACKLOG + " is full");
    }
  }

  private void onResumeRequest(TunnelFrame.ConnectRequest r) {
    TunnelConnection c = byKey.get(new ConnKey(r.peer(), r.virtualPort()));
    String refusal = null;
    if (c == null || c.isInitiator() || c.state() != ConnectionState.RECONNECTING) {
      refusal = "the connection no longer exists on peer " + identity.peerId().shortString();
    } else if (r.nextMessageNumber() != c.nextReceiveNumber()) {
      refusal = lostMessages(r.nextMessageNumber() - c.nextReceiveNumber());
    }
    if (refusal != null) {
      session.send(
          new TunnelFrame.FailedConnect(
              0, r.connectionId(), r.peer(), FailReason.REFUSED, refusal));
      if (c != null && !c.isInitiator() && c.state() == ConnectionState.RECONNECTING) {
        closeConnection(c, refusal);
      }
      return;
    }
    byId.put(r.connectionId(), c);
    session.send(
        new TunnelFrame.ConnectAccepted(0, r.connectionId(), r.peer(), c.nextSendNumber()));
    c.resumed(r.connectionId());
  }

  private static String lostMessages(long count) {
    return count
        + " message(s) sent before the tunnel server went away were lost; the connection is"
        + " closed so that no message is skipped silently";
  }

  private void onAccepted(TunnelFrame.ConnectAccepted a) {
    PendingConnect p = pending.remove(a.requestId());
    if (p == null) {
      session.send(
          new TunnelFrame.ConnectionEnd(a.connectionId(), "the connect request timed out"));
      return;
    }
    p.timer.cancel(false);
    TunnelConnection c = p.connection;
    if (p.resume()) {
      if (c.state() != ConnectionState.RECONNECTING) {
        session.send(new TunnelFrame.ConnectionEnd(a.connectionId(), "closed while resuming"));
        return;
      }
      byId.put(a.connectionId(), c);
      if (a.nextMessageNumber() != c.nextReceiveNumber()) {
        c.resumed(a.connectionId());
        closeConnection(c, lostMessages(a.nextMessageNumber() - c.nextReceiveNumber()));
        return;
      }
      c.resumed(a.connectionId());
      return;
    }
    if (closed) {
      session.send(new TunnelFrame.ConnectionEnd(a.connectionId(), "the provider was closed"));
      return;
    }
    byId.put(a.connectionId(), c);
    byKey.put(new ConnKey(c.peerId(), c.virtualPort()), c);
    c.opened(a.connectionId());
    p.future.complete(c);
  }

  private void onFailed(TunnelFrame.FailedConnect f) {
    PendingConnect p = pending.remove(f.requestId());
    if (p == null) {
      return;
    }
    p.timer.cancel(false);
    if (p.resume()) {
      TunnelConnection c = p.connection;
      if (c.state() != ConnectionState.RECONNECTING) {
        return;
      }
      if (f.reason() == FailReason.UNKNOWN_DESTINATION) {
        // The peer has not re-registered yet; its RECONNECTING deadline bounds the retries.
        session.schedule(() -> resume(c), RESUME_RETRY);
      } else {
        closeConnection(c, "could not resume: " + f.message());
      }
      return;
    }
    p.future.completeExceptionally(connectFailure(f));
  }

  private P2PException connectFailure(TunnelFrame.FailedConnect f) {
    String peer = f.peer().shortString();
    switch (f.reason()) {
      case UNKNOWN_DESTINATION:
        return new PeerNotFoundException(
            f.message()
                + "; peer "
                + peer
                + " must call listen() with the same tunnel server and app id");
      case REFUSED:
        return new ConnectionFailedException("peer " + peer + " refused: " + f.message());
      case LIMIT_REACHED:
        return new ConnectionFailedException("the tunnel server refused: " + f.message());
      default:
        return new ConnectionFailedException("connecting to " + peer + " failed: " + f.message());
    }
  }

  private void onEnd(TunnelFrame.ConnectionEnd e) {
    TunnelConnection c = byId.remove(e.connectionId());
    if (c == null) {
      return;
    }
    byKey.remove(new ConnKey(c.peerId(), c.virtualPort()));
    session.send(new TunnelFrame.ConnectionEnd(e.connectionId(), "end acknowledged"));
    c.disconnecting(e.reason());
    c.closed(e.reason());
  }

  /** Closes a connection from this side and tells the peer why. Event loop only. */
  /** Ends a connection with one reason for both sides. */
  void closeConnection(TunnelConnection c, String reason) {
    closeConnection(c, reason, reason);
  }

  /**
   * Ends a connection: {@code reason} is what this side's listeners see, {@code peerReason} what
   * the end frame tells the peer (a local close reads "closed by the peer" over there).
   */
  void closeConnection(TunnelConnection c, String reason, String peerReason) {
    if (c.state() == ConnectionState.CLOSED) {
      return;
    }
    long id = c.connectionId();
    boolean tellPeer =
        (c.state() == ConnectionState.CONNECTED || c.state() == ConnectionState.DISCONNECTING)
            && id != 0
            && byId.get(id) == c;
    c.disconnecting(reason); // no send can slip in after this
    byKey.remove(new ConnKey(c.peerId(), c.virtualPort()), c);
    if (tellPeer) {
      byId.remove(id, c);
      session.sendOrdered(c.outbound(), new TunnelFrame.ConnectionEnd(id, peerReason));
    }
    // The end frame is queued behind every accepted message: nothing is left to do for us.
    c.closed(reason);
  }

  /** A connection broke its contract (bad numbering, too large): close it, say why. */
  void failConnection(TunnelConnection c, String reason) {
    log.debug("closing {}: {}", c, reason);
    closeConnection(c, reason);
  }

  // ---- session events, on the event loop ----

  void sessionRegistered(boolean reconnect) {
    if (!reconnect) {
      return;
    }
    for (TunnelConnection c : List.copyOf(byKey.values())) {
      if (c.isInitiator() && c.state() == ConnectionState.RECONNECTING) {
        resume(c);
      }
    }
  }

  private void resume(TunnelConnection c) {
    if (c.state() != ConnectionState.RECONNECTING || !session.isRegistered()) {
      return;
    }
    PendingConnect p = new PendingConnect(nextRequestId++, c, null);
    p.timer =
        session.schedule(
            () -> {
              if (pending.remove(p.requestId, p)) {
                resume(c);
              }
            },
            settings.connectTimeout());
    pending.put(p.requestId, p);
    sendRequest(p, true);
  }

  void sessionLost(String reason) {
    for (PendingConnect p : List.copyOf(pending.values())) {
      if (!p.resume()) {
        pending.remove(p.requestId);
        p.timer.cancel(false);
        p.future.completeExceptionally(
            new NetworkException(
                reason
                    + " while connecting to "
                    + p.connection.peerId().shortString()
                    + "; retry"));
      }
    }
    byId.clear();
    for (TunnelConnection c : List.copyOf(byKey.values())) {
      c.serverLost(reason, settings.reconnectTimeout());
    }
  }

  void sessionFailed(P2PException error) {
    for (PendingConnect p : List.copyOf(pending.values())) {
      pending.remove(p.requestId);
      p.timer.cancel(false);
      if (p.future != null) {
        p.future.completeExceptionally(error);
      }
    }
    for (TunnelConnection c : List.copyOf(byKey.values())) {
      closeConnection(c, error.getMessage());
    }
    for (TunnelListener l : listeners) {
      l.close();
    }
  }

  void listenerClosed(TunnelListener listener, List<TunnelConnection> unaccepted) {
    synchronized (listeners) {
      listeners.remove(listener);
    }
    if (!unaccepted.isEmpty()) {
      session.execute(
          () -> {
            for (TunnelConnection c : unaccepted) {
              closeConnection(c, "the listener was closed before the connection was accepted");
            }
          });
    }
  }

  /** Closes listeners and connections (telling peers), leaves the server, ends the thread. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    Runnable shutdown =
        () -> {
          try {
            for (TunnelListener l : List.copyOf(listeners)) {
              l.close();
            }
            ConnectionClosedException error =
                new ConnectionClosedException("the tunnel provider is closed");
            for (PendingConnect p : List.copyOf(pending.values())) {
              p.timer.cancel(false);
              if (p.future != null) {
                p.future.completeExceptionally(error);
              }
            }
            pending.clear();
            for (TunnelConnection c : List.copyOf(byKey.values())) {
              closeConnection(c, "the peer's provider was closed");
            }
            session.close();
          } finally {
            done.complete(null);
          }
        };
    if (loop.inEventLoop()) {
      shutdown.run();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
      return;
    }
    try {
      loop.execute(shutdown);
      done.get(5, TimeUnit.SECONDS);
    } catch (RejectedExecutionException e) {
      // never started or already shut down
    } catch (Exception e) {
      log.warn("closing the tunnel provider took too long", e);
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    threads.joinAll(Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return "TunnelProvider[" + identity.peerId().shortString() + "]";
  }

  /** For tests: connections currently open or resuming. */
  int openConnectionCount() {
    return byKey.size();
  }

  List<TunnelConnection> connectionsSnapshot() {
    return new ArrayList<>(byKey.values());
  }
}
