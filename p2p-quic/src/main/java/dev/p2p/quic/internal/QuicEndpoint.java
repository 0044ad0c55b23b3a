package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.NetworkException;
import dev.p2p.quic.internal.path.ClientConnectionIds;
import dev.p2p.quic.internal.path.PathLayerHandler;
import dev.p2p.quic.internal.path.QuicPacketHeaders;
import dev.p2p.quic.internal.path.QuicRoleDemultiplexer;
import dev.p2p.quic.internal.path.StatelessResets;
import dev.p2p.quic.internal.path.transports.SocketInterposer;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import dev.p2p.quic.internal.tls.QuicTlsContexts;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslEngine;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.AttributeKey;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's one UDP socket and the QUIC codecs on it, shared by listening and dialling:
 *
 * <pre>
 *   UDP socket -> PathLayerHandler -> QuicRoleDemultiplexer -> server codec -> [client entry] -> client codec
 * </pre>
 *
 * Inbound packets reach the client codec through the client entry when they belong to a dialled
 * connection; outbound packets of both codecs pass the path layer on their way down.
 */
final class QuicEndpoint {
  private static final Logger log = LoggerFactory.getLogger(QuicEndpoint.class);
  static final AttributeKey<DialAttempt> DIAL = AttributeKey.valueOf("p2p.dial");

  private final QuicSettings settings;
  private final QuicTlsContexts tls;
  private final EventLoopGroup group;
  private final ClientConnectionIds clientIds;
  private final PathLayerHandler pathLayer;
  private final StatelessResets resets;
  private final QuicConnectionHandler.Owner owner;
  private final Consumer<QuicStreamChannel> incomingStreams;

  private Channel udp; // guarded by this
  private boolean closed;
  private ScheduledFuture<?> sweeper;
  private ScheduledFuture<?> monitor;
  private volatile Supplier<ChannelHandler> interposer; // tests only: null in production

  QuicEndpoint(
      QuicSettings settings,
      QuicTlsContexts tls,
      EventLoopGroup group,
      ClientConnectionIds clientIds,
      PathLayerHandler pathLayer,
      StatelessResets resets,
      QuicConnectionHandler.Owner owner,
      Consumer<QuicStreamChannel> incomingStreams) {
    this.settings = settings;
    this.tls = tls;
    this.group = group;
    this.clientIds = clientIds;
    this.pathLayer = pathLayer;
    this.resets = resets;
    this.owner = owner;
    this.incomingStreams = incomingStreams;
  }

  /**
   * Puts a handler made by {@code factory} between the socket and the path layer of every socket
   * bound from now on, and in front of every extra socket opened like it (birthday probing): a test
   * seam (an in-process NAT in front of the socket), never used in production.
   */
  void interposer(Supplier<ChannelHandler> factory) {
    interposer = factory;
  }

  /** The bound address, or null before the first bind. */
  synchronized InetSocketAddress boundAddress() {
    return udp == null ? null : (InetSocketAddress) udp.localAddress();
  }

  /**
   * The socket, bound to {@code wanted} (null: whatever is bound, else the configured bind
   * address). A socket bound elsewhere is rebound only while {@code idle} says nothing uses it.
   */
  synchronized Channel ensureBound(InetSocketAddress wanted, BooleanSupplier idle) {
    if (closed) {
      throw new ConnectionClosedException("the QUIC provider is closed");
    }
    if (udp != null) {
      InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
      if (wanted == null || matches(bound, wanted)) {
        return udp;
      }
      if (!idle.getAsBoolean()) {
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
          "cannot bind UDP " + address + ": " + e.getMessage() + "; choose another address or port",
          e);
    }
    if (sweeper == null) {
      sweeper = group.next().scheduleAtFixedRate(pathLayer::sweep, 10, 10, TimeUnit.SECONDS);
      long tick = pathLayer.tickMillis();
      monitor =
          group.next().scheduleAtFixedRate(pathLayer::tick, tick, tick, TimeUnit.MILLISECONDS);
    }
    log.debug("bound to {}", udp.localAddress());
    return udp;
  }

  /** Closes the socket; later binds fail. Bounded wait. */
  void close() {
    Channel ch;
    synchronized (this) {
      closed = true;
      ch = udp;
      udp = null;
      if (sweeper != null) {
        sweeper.cancel(false);
        monitor.cancel(false);
      }
    }
    if (ch != null) {
      ch.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
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
    boolean pmtud = settings.discoverPmtuFor(address);
    ChannelHandler serverCodec =
        configure(new QuicServerCodecBuilder(), payload, pmtud)
            .sslContext(tls.server)
            // No Retry round trip: the dialler is authenticated by TLS, and quiche limits
            // what it sends to an unvalidated address.
            .tokenHandler(null)
            // Tokens a restarted process with the same key can reproduce: see StatelessResets.
            .statelessResetToken(resets.token())
            .resetTokenGenerator(resets)
            // Ids that name the path of their connection: NAT rebinding (ServerConnectionIds).
            .connectionIdAddressGenerator(pathLayer.serverConnectionIds())
            .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, segments(payload))
            .handler(
                new ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel ch) {
                    ch.pipeline().addLast(new QuicConnectionHandler(owner, false));
                  }
                })
            .streamHandler(
                new ChannelInitializer<QuicStreamChannel>() {
                  @Override
                  protected void initChannel(QuicStreamChannel ch) {
                    incomingStreams.accept(ch);
                  }
                })
            .build();
    ChannelHandler clientCodec =
        configure(new QuicClientCodecBuilder(), payload, pmtud)
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
    QuicRoleDemultiplexer demux = new QuicRoleDemultiplexer(clientIds, pathLayer);
    Bootstrap b = new Bootstrap();
    settings.udpTransport().configureReads(b, payload, settings.gro());
    if (pmtud) {
      settings
          .udpTransport()
          .probeMtuWithoutFragmenting(b, address.getAddress() instanceof Inet6Address);
    }
    return b.group(group)
        // A socket of the bound address's family: an IPv4 wildcard stays 0.0.0.0, not [::].
        .channelFactory(
            () ->
                settings
                    .udpTransport()
                    .newChannel(
                        address.getAddress() instanceof Inet6Address
                            ? SocketProtocolFamily.INET6
                            : SocketProtocolFamily.INET))
        .option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_SNDBUF, 4 << 20)
        .option(ChannelOption.MAX_MESSAGES_PER_READ, 64)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                Supplier<ChannelHandler> between = interposer;
                if (between != null) {
                  SocketInterposer.install(ch, between);
                }
                ch.pipeline().addLast("path", pathLayer);
                // Both before the demultiplexer, which ends a batch for each codec on its own:
                // a batch's messages are delivered, then its end may wait for the answer.
                if (settings.batchStreamReads()) {
                  ch.pipeline().addLast("stream-reads", new StreamReadBatches());
                }
                ch.pipeline()
                    .addLast("ack-piggyback", new AckPiggyback(settings.ackHold().toNanos()));
                ch.pipeline().addLast("demux", demux);
                ch.pipeline().addLast("quic-server", serverCodec);
                ch.pipeline().addLast("client-entry", new ChannelOutboundHandlerAdapter());
                ch.pipeline().addLast("quic-client", clientCodec);
                demux.clientEntry(ch.pipeline().context("client-entry"));
              }
            });
  }

  /** How the codec packs outgoing packets into sends (GSO with epoll; see UdpSocketKind). */
  SegmentedDatagramPacketAllocator segments(int payload) {
    return settings.udpTransport().segmentedAllocator(payload, settings.gsoSegments());
  }

  private <B extends QuicCodecBuilder<B>> B configure(B builder, int payload, boolean pmtud) {
    return builder
        .congestionControlAlgorithm(settings.congestionControl())
        .discoverPmtu(pmtud)
        .maxIdleTimeout(settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .maxSendUdpPayloadSize(payload)
        .maxRecvUdpPayloadSize(payload)
        .initialMaxData(settings.connectionWindow())
        .initialMaxStreamDataBidirectionalLocal(settings.streamWindow())
        .initialMaxStreamDataBidirectionalRemote(settings.streamWindow())
        .initialMaxStreamsBidirectional(1)
        // One short unidirectional stream per side carries the traversal offer (TraversalStream).
        .initialMaxStreamsUnidirectional(2)
        .initialMaxStreamDataUnidirectional(TraversalOffer.MAX_LENGTH)
        .localConnectionIdLength(QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH)
        // The path layer moves packets between real addresses; QUIC itself never migrates.
        .activeMigration(false)
        .datagram(settings.datagramQueueLength(), settings.datagramQueueLength());
  }
}
