package dev.p2p.quic.internal;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.api.internal.HostPort;
import dev.p2p.identity.Ed25519Identity;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QUIC {@link P2PProvider}: one UDP socket and one event-loop thread, shared by listening and
 * dialling. The socket's pipeline is
 *
 * <pre>
 *   UDP socket -> PathLayerHandler -> QuicRoleDemultiplexer -> server codec -> [client entry] -> client codec
 * </pre>
 *
 * Inbound packets reach the client codec through the client entry when they belong to a dialled
 * connection; outbound packets of both codecs pass the path layer on their way down.
 */
public final class QuicP2PProvider implements P2PProvider {
  private static final Logger log = LoggerFactory.getLogger(QuicP2PProvider.class);
  static final String NAME = "quic";
  private static final AttributeKey<DialAttempt> DIAL = AttributeKey.valueOf("p2p.dial");

  private final Ed25519Identity identity;
  private final QuicSettings settings;
  private final QuicTlsContexts tls;
  private final MultiThreadIoEventLoopGroup group;
  private final EventLoop loop;
  private final ClientConnectionIds clientIds = new ClientConnectionIds();
  private final PathLayerHandler pathLayer = new PathLayerHandler(clientIds);
  private final Set<QuicPeerChannel> connections = ConcurrentHashMap.newKeySet();
  private final Set<QuicChannel> dialled = ConcurrentHashMap.newKeySet();

  private final Map<PeerId, PeerAddress> knownPeers = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private Channel udp;
  private QuicPeerListener listener;
  private volatile boolean closed;
  private ScheduledFuture<?> sweeper;

  QuicP2PProvider(Ed25519Identity identity, QuicSettings settings) {
    this.identity = identity;
    this.settings = settings;
    this.tls = new QuicTlsContexts(identity);
    this.group =
        new MultiThreadIoEventLoopGroup(
            1,
            new DefaultThreadFactory("p2p-quic-" + identity.peerId().shortString(), true),
            BusyPollSelectStrategy.nioHandlerFactory(settings.busyPoll().toNanos()));
    this.loop = group.next();
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
    knownPeers.put(address.peerId(), address);
  }

  QuicSettings settings() {
    return settings;
  }

  PathLayerHandler pathLayer() {
    return pathLayer;
  }

  EventLoop eventLoop() {
    return loop;
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
    synchronized (lock) {
      return udp == null ? null : (InetSocketAddress) udp.localAddress();
    }
  }

  // ---- socket ----

  private Channel ensureBound(InetSocketAddress wanted) {
    synchronized (lock) {
      if (closed) {
        throw new ConnectionClosedException("the QUIC provider is closed");
      }
      if (udp != null) {
        InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
        if (wanted == null || matches(bound, wanted)) {
          return udp;
        }
        if (!connections.isEmpty() || !dialled.isEmpty()) {
          throw new NetworkException(
              "the provider's socket is already bound to "
                  + bound
                  + " (one socket serves listening and dialling); call listen("
                  + wanted
                  + ") before connect, or listen on port 0");
        }
        udp.close().syncUninterruptibly();
        udp = null;
      }
      InetSocketAddress address = wanted != null ? wanted : settings.bindAddress();
      try {
        udp = newBootstrap(address).bind(address).sync().channel();
      } catch (Exception e) {
        throw new NetworkException(
            "cannot bind UDP "
                + address
                + ": "
                + e.getMessage()
                + "; choose another address or port",
            e);
      }
      if (sweeper == null) {
        sweeper = loop.scheduleAtFixedRate(pathLayer::sweep, 10, 10, TimeUnit.SECONDS);
      }
      log.debug("{} bound to {}", this, udp.localAddress());
      return udp;
    }
  }

  private static boolean matches(InetSocketAddress bound, InetSocketAddress wanted) {
    boolean portOk = wanted.getPort() == 0 || wanted.getPort() == bound.getPort();
    boolean hostOk =
        wanted.getAddress().isAnyLocalAddress() && bound.getAddress().isAnyLocalAddress()
            || wanted.getAddress().equals(bound.getAddress());
    return portOk && hostOk;
  }

  private Bootstrap newBootstrap(InetSocketAddress address) {
    int payload = settings.udpPayloadFor(address);
    ChannelHandler serverCodec =
        configure(new QuicServerCodecBuilder(), payload)
            .sslContext(tls.server)
            // No Retry round trip: the dialler is authenticated by TLS, and quiche limits
            // what it sends to an unvalidated address.
            .tokenHandler(null)
            .handler(
                new ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel ch) {
                    ch.pipeline().addLast(new QuicConnectionHandler(QuicP2PProvider.this));
                  }
                })
            .streamHandler(
                new ChannelInitializer<QuicStreamChannel>() {
                  @Override
                  protected void initChannel(QuicStreamChannel ch) {
                    incomingStream(ch);
                  }
                })
            .build();
    ChannelHandler clientCodec =
        configure(new QuicClientCodecBuilder(), payload)
            .sslEngineProvider(
                ch -> {
                  QuicSslEngine engine = tls.client.newEngine(ch.alloc());
                  DialAttempt attempt = ch.attr(DIAL).get();
                  if (attempt != null) {
                    tls.trust.expect(engine, attempt);
                    ch.closeFuture().addListener(f -> tls.trust.forget(engine));
                  }
                  return engine;
                })
            .build();
    QuicRoleDemultiplexer demux = new QuicRoleDemultiplexer(clientIds);
    return new Bootstrap()
        .group(group)
        // A socket of the bound address's family: an IPv4 wildcard stays 0.0.0.0, not [::].
        .channelFactory(
            () ->
                new NioDatagramChannel(
                    address.getAddress() instanceof Inet6Address
                        ? SocketProtocolFamily.INET6
                        : SocketProtocolFamily.INET))
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .option(
            ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(Math.max(2048, payload)))
        .option(ChannelOption.MAX_MESSAGES_PER_READ, 64)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast("path", pathLayer);
                ch.pipeline().addLast("demux", demux);
                ch.pipeline().addLast("quic-server", serverCodec);
                ch.pipeline().addLast("client-entry", new ChannelOutboundHandlerAdapter());
                ch.pipeline().addLast("quic-client", clientCodec);
                demux.clientEntry(ch.pipeline().context("client-entry"));
              }
            });
  }

  private <B extends QuicCodecBuilder<B>> B configure(B builder, int payload) {
    return builder
        .maxIdleTimeout(settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxSendUdpPayloadSize(payload)
        .maxRecvUdpPayloadSize(payload)
        .initialMaxData(settings.connectionWindow())
        .initialMaxStreamDataBidirectionalLocal(settings.streamWindow())
        .initialMaxStreamDataBidirectionalRemote(settings.streamWindow())
        .initialMaxStreamsBidirectional(1)
        .initialMaxStreamsUnidirectional(0)
        .localConnectionIdLength(QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH)
        // The path layer moves packets between real addresses; QUIC itself never migrates.
        .activeMigration(false)
        .datagram(settings.datagramQueueLength(), settings.datagramQueueLength());
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
          throw new ConfigurationException(
              "already listening on " + listener.localAddr() + "; close that listener first");
        }
        Channel ch = ensureBound(wanted);
        listener = new QuicPeerListener(this, (InetSocketAddress) ch.localAddress());
        return CompletableFuture.completedFuture(listener);
      }
    } catch (P2PException e) {
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
    String host = hp.host();
    int port = hp.port();
    if (host.isEmpty()) {
      return new InetSocketAddress(port);
    }
    try {
      return new InetSocketAddress(InetAddress.getByName(host), port);
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

  private QuicPeerListener activeListener() {
    synchronized (lock) {
      return listener == null || listener.isClosed() ? null : listener;
    }
  }

  boolean isDialled(QuicChannel quic) {
    return quic.hasAttr(DIAL);
  }

  /** A dialler finished the TLS handshake with us. Loop. */
  QuicPeerChannel incoming(QuicChannel quic, QuicConnectionHandler handler) {
    log.debug("{}: incoming connection {}", this, quic);
    QuicPeerChannel existing = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (existing != null) {
      return existing;
    }
    if (closed || activeListener() == null) {
      quic.close(true, QuicPeerChannel.CLOSE_NOT_LISTENING, quic.alloc().buffer(0));
      return null;
    }
    PeerId peer;
    try {
      java.security.cert.Certificate[] chain = quic.sslEngine().getSession().getPeerCertificates();
      peer =
          PeerId.fromPublicKey(
              Ed25519CertificateFactory.verifiedPeerKey(
                  (java.security.cert.X509Certificate) chain[0]));
    } catch (Exception e) {
      log.debug("closing a connection without a usable peer certificate", e);
      quic.close();
      return null;
    }
    PeerPath path = pathLayer.pathOf((InetSocketAddress) quic.remoteSocketAddress());
    if (path != null) {
      pathLayer.bindPeer(peer, path);
    }
    QuicPeerChannel c = new QuicPeerChannel(this, quic, peer, path, false);
    c.onDatagramLimit(handler.datagramLimit());
    quic.attr(QuicConnectionHandler.CONNECTION).set(c);
    connections.add(c);
    return c;
  }

  private void incomingStream(QuicStreamChannel stream) {
    QuicChannel quic = stream.parent();
    log.debug("{}: incoming stream {} on {}", this, stream.streamId(), quic);
    QuicPeerChannel c = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (c == null && !isDialled(quic)) {
      QuicConnectionHandler h = quic.pipeline().get(QuicConnectionHandler.class);
      c = h == null ? null : incoming(quic, h);
    }
    if (c == null) {
      stream.close();
      return;
    }
    stream.pipeline().addLast(new StreamFrameReader(c, settings.maxMessageSize()));
    if (!c.acceptStream(stream)) {
      stream.close();
    }
  }

  /** An incoming connection is authenticated both ways. Loop. */
  void accepted(QuicPeerChannel c) {
    QuicPeerListener l = activeListener();
    if (l == null || !l.offer(c)) {
      c.close();
    }
  }

  void quicClosed(QuicChannel quic) {
    dialled.remove(quic);
    QuicPeerChannel c = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (c != null) {
      connections.remove(c);
    }
  }

  void logConnectionError(Channel ch, Throwable cause) {
    log.debug("QUIC connection {} failed", ch, cause);
  }

  // ---- dialling ----

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the QUIC provider is closed"));
    }
    PeerAddress known = knownPeers.get(peer);
    if (known != null) {
      return connect(known);
    }
    for (PeerAddress a : settings.bootstrapPeers()) {
      if (a.peerId().equals(peer)) {
        return connect(a);
      }
    }
    return CompletableFuture.failedFuture(
        new PeerNotFoundException(
            "no address known for peer "
                + peer.shortString()
                + "...; dial its ticket (connect(PeerAddress)) or add the ticket to "
                + QuicSettings.BOOTSTRAP_PEERS));
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ConnectionClosedException("the QUIC provider is closed"));
    }
    if (peer.directAddresses().isEmpty()) {
      PeerAddress known = knownPeers.get(peer.peerId());
      if (known == null) {
        for (PeerAddress a : settings.bootstrapPeers()) {
          if (a.peerId().equals(peer.peerId())) {
            known = a;
          }
        }
      }
      if (known == null || known.directAddresses().isEmpty()) {
        return connect(peer.peerId());
      }
      peer = known;
    }
    Channel ch;
    try {
      ch = ensureBound(null);
    } catch (P2PException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<InetSocketAddress> usable = usableAddresses(peer.directAddresses(), ch);
    if (usable.isEmpty()) {
      return CompletableFuture.failedFuture(
          new ConnectionFailedException(
              "none of "
                  + peer.directAddresses()
                  + " can be reached from this provider's socket "
                  + ch.localAddress()
                  + " (address family or unresolved host)"));
    }
    CompletableFuture<P2PConnection> result = new CompletableFuture<>();
    PeerId id = peer.peerId();
    loop.execute(() -> dial(ch, id, usable, result));
    return result;
  }

  private static List<InetSocketAddress> usableAddresses(
      List<InetSocketAddress> addresses, Channel ch) {
    InetAddress local = ((InetSocketAddress) ch.localAddress()).getAddress();
    List<InetSocketAddress> result = new ArrayList<>();
    for (InetSocketAddress a : addresses) {
      if (a.isUnresolved()) {
        a = new InetSocketAddress(a.getHostString(), a.getPort());
        if (a.isUnresolved()) {
          continue;
        }
      }
      boolean v6 = a.getAddress() instanceof Inet6Address;
      boolean localV4 = local instanceof Inet4Address;
      if (v6 && localV4) {
        continue;
      }
      if (a.getAddress().isAnyLocalAddress()) {
        // A wildcard in a ticket means "this host": dial it over loopback.
        a = new InetSocketAddress(InetAddress.getLoopbackAddress(), a.getPort());
      }
      result.add(a);
    }
    return result;
  }

  private void dial(
      Channel ch,
      PeerId peer,
      List<InetSocketAddress> addresses,
      CompletableFuture<P2PConnection> result) {
    PeerPath path = pathLayer.pathForDial(peer, addresses);
    DialAttempt attempt = new DialAttempt(peer, addresses);
    byte[] scid = clientIds.register(path);
    QuicConnectionHandler handler = new QuicConnectionHandler(this);
    path.users.incrementAndGet();
    io.netty.util.concurrent.Future<QuicChannel> f =
        QuicChannel.newBootstrap(ch)
            .attr(DIAL, attempt)
            .handler(handler)
            .streamHandler(
                new ChannelInitializer<QuicStreamChannel>() {
                  @Override
                  protected void initChannel(QuicStreamChannel s) {
                    s.close(); // the listener never opens streams
                  }
                })
            .localConnectionAddress(new QuicConnectionAddress(scid))
            .remoteAddress(path.virtualAddress)
            .connect();
    ScheduledFuture<?> timeout =
        loop.schedule(
            () -> {
              if (!result.isDone()) {
                result.completeExceptionally(
                    new ConnectionFailedException(
                        "no answer from "
                            + attempt.describeAddresses()
                            + " within "
                            + settings.connectTimeout().toMillis()
                            + " ms; is the peer running and listening? ("
                            + QuicSettings.CONNECT_TIMEOUT_MS
                            + " sets the limit)"));
                io.netty.channel.Channel quic = handler.channel();
                if (quic != null) {
                  quic.close();
                }
              }
            },
            settings.connectTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
    result.whenComplete(
        (c, e) -> {
          timeout.cancel(false);
          if (e != null && f.isSuccess()) {
            f.getNow().close();
          }
        });
    f.addListener(
        done -> {
          path.users.decrementAndGet();
          if (!done.isSuccess()) {
            clientIds.unregister(scid);
            String auth = attempt.authenticationFailure();
            result.completeExceptionally(
                auth != null
                    ? new AuthenticationFailedException(auth)
                    : new ConnectionFailedException(
                        "QUIC handshake with "
                            + attempt.describeAddresses()
                            + " failed: "
                            + done.cause(),
                        done.cause()));
            return;
          }
          QuicChannel quic = (QuicChannel) done.getNow();
          dialled.add(quic);
          quic.closeFuture().addListener(x -> clientIds.unregister(scid));
          if (result.isDone() || closed) {
            quic.close();
            return;
          }
          QuicPeerChannel c = new QuicPeerChannel(this, quic, peer, path, true);
          c.onDatagramLimit(handler.datagramLimit());
          quic.attr(QuicConnectionHandler.CONNECTION).set(c);
          connections.add(c);
          CompletableFuture<P2PConnection> established = new CompletableFuture<>();
          established.whenComplete(
              (ok, err) -> {
                if (err == null) {
                  if (!result.complete(ok)) {
                    ok.close();
                  }
                } else if (handler.peerRejectedUs()) {
                  result.completeExceptionally(
                      new AuthenticationFailedException(
                          "the peer rejected our certificate (" + handler.closeReason() + ")"));
                } else {
                  result.completeExceptionally(err);
                }
              });
          c.startDialler(established);
        });
  }

  // ---- closing ----

  @Override
  public void close() {
    List<QuicPeerChannel> open;
    QuicPeerListener l;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      l = listener;
      open = List.copyOf(connections);
    }
    if (l != null) {
      l.close();
    }
    open.forEach(QuicPeerChannel::close);
    // Give peers a moment to take the last bytes and hang up, then tear everything down.
    CompletableFuture<?>[] closing =
        open.stream().map(QuicPeerChannel::closeFuture).toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(closing).get(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("some connections did not close in time; closing them hard");
    }
    Channel ch;
    synchronized (lock) {
      ch = udp;
      udp = null;
    }
    if (sweeper != null) {
      sweeper.cancel(false);
    }
    if (ch != null) {
      ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }

  @Override
  public String toString() {
    return "QuicP2PProvider[" + identity.peerId().shortString() + "]";
  }
}
