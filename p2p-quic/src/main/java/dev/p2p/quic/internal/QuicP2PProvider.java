package dev.p2p.quic.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.internal.HostPort;
import dev.p2p.core.CloseLinger;
import dev.p2p.core.TransportSettings;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.path.ClientConnectionIds;
import dev.p2p.quic.internal.path.PathLayerHandler;
import dev.p2p.quic.internal.path.PathPolicy;
import dev.p2p.quic.internal.path.StatelessResets;
import dev.p2p.quic.internal.path.transports.RelayTransport;
import dev.p2p.quic.internal.tls.QuicTlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QUIC {@link P2PProvider}: one UDP socket ({@link QuicEndpoint}) and one event-loop thread,
 * shared by listening ({@link QuicIncoming}) and dialling ({@link QuicDialer}). This class owns the
 * life cycle: which connections exist, and the graceful close of all of them.
 */
public final class QuicP2PProvider implements P2PProvider, QuicConnectionHandler.Owner {
  private static final Logger log = LoggerFactory.getLogger(QuicP2PProvider.class);
  static final String NAME = "quic";

  private final Ed25519Identity identity;
  private final QuicSettings settings;
  private final MultiThreadIoEventLoopGroup group;
  private final EventLoop loop;
  private final PathLayerHandler pathLayer;
  private final RelayTransport relays; // null when direct-only
  private final QuicEndpoint endpoint;
  private final QuicIncoming incoming;
  private final QuicDialer dialer;
  private final Set<QuicPeerChannel> connections = ConcurrentHashMap.newKeySet();
  private final Set<QuicChannel> open = ConcurrentHashMap.newKeySet();
  private final QuicRendezvous rendezvous;

  private final Object lock = new Object();
  private QuicPeerListener listener; // guarded by lock
  private volatile boolean closed;

  QuicP2PProvider(Ed25519Identity identity, QuicSettings settings) {
    this.identity = identity;
    this.settings = settings;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("p2p-quic-" + identity.peerId().shortString(), true),
            settings.udpTransport().ioHandlerFactory(settings.busyPoll().toNanos()));
    this.loop = group.next();
    ClientConnectionIds clientIds = new ClientConnectionIds();
    StatelessResets resets = new StatelessResets(identity);
    PathPolicy policy = settings.relay().policy();
    this.relays =
        policy.directOnly()
            ? null
            : new RelayTransport(
                loop,
                settings.relay().servers(),
                QuicRendezvous.relayLogins(identity, group, settings));
    this.pathLayer = new PathLayerHandler(clientIds, resets, policy, relays);
    this.incoming = new QuicIncoming(this, pathLayer);
    this.dialer = new QuicDialer(this, settings, loop, clientIds, pathLayer);
    this.rendezvous = new QuicRendezvous(settings, relays, dialer, this::socket);
    this.endpoint =
        new QuicEndpoint(
            settings,
            new QuicTlsContexts(identity),
            group,
            clientIds,
            pathLayer,
            resets,
            this,
            incoming::stream);
  }

  /**
   * Creates a provider from a configuration.
   *
   * @throws ConfigurationException if a value is malformed or the key file unusable
   */
  public static QuicP2PProvider create(P2PConfig config) {
    QuicSettings settings = QuicSettings.from(config);
    return new QuicP2PProvider(Ed25519Identity.fromConfig(config), settings);
  }

  /** A provider with a given identity, for embedding and tests. */
  public static QuicP2PProvider create(P2PConfig config, Ed25519Identity identity) {
    return new QuicP2PProvider(identity, QuicSettings.from(config));
  }

  /**
   * Adds a peer {@link #connect(PeerId)} can find, as if its ticket were in {@code
   * P2P_BOOTSTRAP_PEERS}.
   */
  public void addKnownPeer(PeerAddress address) {
    rendezvous.addKnownPeer(address);
  }

  QuicSettings settings() {
    return settings;
  }

  /** The relay this provider publishes (lowest latency now), or null if none is logged in. */
  URI homeRelay() {
    return relays == null ? null : relays.home();
  }

  /** What birthday probing has spent and won (diagnostics, the NAT lab's report). */
  public dev.p2p.quic.internal.path.BirthdayStats birthdayStats() {
    return pathLayer.birthdayStats();
  }

  PathLayerHandler pathLayer() {
    return pathLayer;
  }

  EventLoop eventLoop() {
    return loop;
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public PeerId localPeerId() {
    return identity.peerId();
  }

  /** The bound UDP address, or null before the first listen or connect. */
  public InetSocketAddress boundAddress() {
    return endpoint.boundAddress();
  }

  private Channel socket(InetSocketAddress wanted) {
    if (closed) {
      throw new ConnectionClosedException("the QUIC provider is closed");
    }
    Channel ch = endpoint.ensureBound(wanted, () -> connections.isEmpty() && open.isEmpty());
    if (relays != null) {
      relays.start(); // relayed packets enter the socket's pipeline, so only once it exists
    }
    return ch;
  }

  // ---- listening ----

  @Override
  public CompletableFuture<P2PListener> listen(String addr) {
    try {
      InetSocketAddress wanted = parseListenAddress(addr);
      synchronized (lock) {
        if (closed) {
          throw new ConnectionClosedException("the QUIC provider is closed");
        }
        if (listener != null) {
          throw new IllegalStateException(
              "already listening on " + listener.localAddr() + "; close that listener first");
        }
        Channel ch = socket(wanted);
        QuicPeerListener l = new QuicPeerListener(this, (InetSocketAddress) ch.localAddress());
        listener = l;
        // Listening means reachable: through the relays too, so wait for their logins (bounded).
        return rendezvous.relaysReady().thenApply(v -> l);
      }
    } catch (P2PException | IllegalStateException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  static InetSocketAddress parseListenAddress(String addr) {
    String a = addr == null ? "" : addr.strip();
    if (a.isEmpty()) {
      return new InetSocketAddress(0);
    }
    HostPort hp;
    try {
      hp = HostPort.parse(a);
    } catch (IllegalArgumentException e) {
      throw badListenAddress(addr, e);
    }
    if (hp.host().isEmpty()) {
      return new InetSocketAddress(hp.port());
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(hp.host()), hp.port());
    } catch (UnknownHostException e) {
      throw badListenAddress(addr, e);
    }
  }

  private static ConfigurationException badListenAddress(String addr, Exception cause) {
    return new ConfigurationException(
        "QUIC listen address must be host:port (e.g. 127.0.0.1:0 or 0.0.0.0:7000), got '"
            + addr
            + "'",
        cause);
  }

  void listenerClosed(QuicPeerListener l) {
    synchronized (lock) {
      if (listener == l) {
        listener = null;
      }
    }
  }

  QuicPeerListener activeListener() {
    synchronized (lock) {
      return listener == null || listener.isClosed() ? null : listener;
    }
  }

  /** An incoming connection is authenticated both ways. Loop. */
  void accepted(QuicPeerChannel c) {
    incoming.authenticated(c);
  }

  // ---- the connections ----

  void register(QuicPeerChannel c) {
    connections.add(c);
  }

  @Override
  public void incomingUp(QuicChannel quic, QuicConnectionHandler handler) {
    open.add(quic);
    incoming.connectionUp(quic, handler);
  }

  @Override
  public void connectionGone(QuicChannel quic) {
    open.remove(quic);
    QuicPeerChannel c = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (c != null) {
      connections.remove(c);
    }
  }

  // ---- dialling ----

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the QUIC provider is closed"));
    }
    return rendezvous.connect(peer);
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the QUIC provider is closed"));
    }
    return rendezvous.connect(peer);
  }

  // ---- closing ----

  /**
   * Closes every connection gracefully, waits for their close futures up to {@code
   * P2P_CLOSE_LINGER_MS}, resets the rest, then releases the socket and the thread.
   */
  @Override
  public void close() {
    QuicPeerListener l;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      l = listener;
    }
    if (l != null) {
      l.close();
    }
    List<QuicPeerChannel> all = List.copyOf(connections);
    List<CompletableFuture<?>> closing = new ArrayList<>();
    for (QuicPeerChannel c : all) {
      c.close();
      closing.add(c.closeFuture());
    }
    if (!CloseLinger.await(closing, settings.closeLinger())) {
      String why =
          "the provider closed and its linger ("
              + TransportSettings.CLOSE_LINGER_MS
              + "="
              + settings.closeLinger().toMillis()
              + ") passed";
      List<CompletableFuture<?>> resetting = new ArrayList<>();
      for (QuicPeerChannel c : all) {
        if (!c.closeFuture().isDone()) {
          log.debug("{}: resetting {}: {}", this, c, why);
          c.reset(why);
          resetting.add(c.closeFuture());
        }
      }
      // A reset is local and immediate; the wait only lets the loop run it.
      CloseLinger.await(resetting, java.time.Duration.ofSeconds(2));
    }
    if (relays != null) {
      relays.close();
    }
    endpoint.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "QuicP2PProvider[" + identity.peerId().shortString() + "]";
  }
}
