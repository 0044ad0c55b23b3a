package dev.p2p.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The reference for the QUIC provider: Netty's QUIC codec used directly, with the provider's
 * settings (64 KiB UDP payloads on loopback, 8 MiB stream and 16 MiB connection windows, one
 * bidirectional stream, the same socket buffers and read batching) and the same length-prefixed
 * framing and client-side costs as {@link FramedEndpoint}. No identity pinning, no path layer, no
 * role demultiplexing and no HELLO exchange: what the provider adds on top of QUIC is what the two
 * figures differ by. Each side has one I/O thread, like each provider.
 *
 * <p>TLS: a server-only ECDSA P-256 certificate (the provider authenticates both sides with
 * Ed25519), so only the connect figure is not like for like.
 */
final class RawQuicBenchTransport implements BenchTransport {
  private static final int MAX_MESSAGE = 16 * 1024 * 1024;
  private static final int UDP_PAYLOAD = 65_527;
  private static final long STREAM_WINDOW = 8L << 20;
  private static final int SOCKET_BUFFER = 4 << 20;
  private static final int DATAGRAM_QUEUE = 4096;
  private static final long IDLE_TIMEOUT_MS = 30_000;

  /** Connection and stream handlers with nothing to do; shared by every connection. */
  private static final ChannelHandler NO_OP = new NoOpHandler();

  private static final AttributeKey<CompletableFuture<FramedEndpoint>> ACCEPTOR =
      AttributeKey.valueOf("bench.acceptor");

  private final EventLoopGroup serverLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup clientLoop =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final LinkedBlockingQueue<CompletableFuture<FramedEndpoint>> accepted =
      new LinkedBlockingQueue<>();
  private final Channel server;
  private final Channel client;

  RawQuicBenchTransport() {
    try {
      SelfSignedCertificate cert = new SelfSignedCertificate("localhost", "EC", 256);
      QuicSslContext serverTls =
          QuicSslContextBuilder.forServer(cert.key(), null, cert.cert())
              .applicationProtocols("bench")
              .earlyData(false)
              .build();
      QuicSslContext clientTls =
          QuicSslContextBuilder.forClient()
              .trustManager(InsecureTrustManagerFactory.INSTANCE)
              .applicationProtocols("bench")
              .earlyData(false)
              .build();
      ChannelHandler serverCodec =
          configure(new QuicServerCodecBuilder())
              .sslContext(serverTls)
              .tokenHandler(null) // no Retry round trip, as in the provider
              .handler(
                  new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                      // connect() dials one at a time, so connections arrive in its order.
                      ch.attr(ACCEPTOR).set(accepted.poll());
                    }
                  })
              .streamHandler(
                  new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                      // The stream appears with the dialler's first bytes: hand it to connect().
                      CompletableFuture<FramedEndpoint> acceptor = ch.parent().attr(ACCEPTOR).get();
                      if (acceptor == null) {
                        ch.close();
                        return;
                      }
                      acceptor.complete(framed(ch));
                    }
                  })
              .build();
      server = bind(serverLoop, serverCodec);
      client =
          bind(clientLoop, configure(new QuicClientCodecBuilder()).sslContext(clientTls).build());
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot start the raw QUIC reference", e);
    }
  }

  /** The settings {@code dev.p2p.quic.internal.QuicP2PProvider} uses on a loopback socket. */
  private static <B extends QuicCodecBuilder<B>> B configure(B builder) {
    return builder
        .maxIdleTimeout(IDLE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .maxSendUdpPayloadSize(UDP_PAYLOAD)
        .maxRecvUdpPayloadSize(UDP_PAYLOAD)
        .initialMaxData(2 * STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalLocal(STREAM_WINDOW)
        .initialMaxStreamDataBidirectionalRemote(STREAM_WINDOW)
        .initialMaxStreamsBidirectional(1)
        .initialMaxStreamsUnidirectional(0)
        .activeMigration(false)
        .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE);
  }

  private static Channel bind(EventLoopGroup group, ChannelHandler codec) {
    return new Bootstrap()
        .group(group)
        .channel(NioDatagramChannel.class)
        .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
        .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
        .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(UDP_PAYLOAD))
        .option(ChannelOption.MAX_MESSAGES_PER_READ, 64)
        .handler(codec)
        .bind("127.0.0.1", 0)
        .syncUninterruptibly()
        .channel();
  }

  private static FramedEndpoint framed(QuicStreamChannel ch) {
    FramedEndpoint endpoint = new FramedEndpoint();
    endpoint.attach(ch);
    ch.pipeline()
        .addLast(new LengthFieldBasedFrameDecoder(MAX_MESSAGE + 4, 0, 4, 0, 4))
        .addLast(endpoint);
    return endpoint;
  }

  @Override
  public BenchPair connect() {
    CompletableFuture<FramedEndpoint> acceptor = new CompletableFuture<>();
    accepted.add(acceptor);
    QuicChannel quic;
    QuicStreamChannel stream;
    try {
      quic =
          QuicChannel.newBootstrap(client)
              .handler(NO_OP)
              .streamHandler(NO_OP)
              .remoteAddress((InetSocketAddress) server.localAddress())
              .connect()
              .get(Waits.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      FramedEndpoint[] dialler = new FramedEndpoint[1];
      stream =
          quic.createStream(
                  QuicStreamType.BIDIRECTIONAL,
                  new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel ch) {
                      dialler[0] = framed(ch);
                    }
                  })
              .get(Waits.TIMEOUT_SECONDS, TimeUnit.SECONDS);
      return new BenchPair(
          new Endpoint(CompletableFuture.completedFuture(dialler[0]), stream),
          new Endpoint(acceptor, null));
    } catch (Exception e) {
      accepted.remove(acceptor);
      throw new IllegalStateException("raw QUIC connect failed", e);
    }
  }

  @Override
  public void close() {
    for (EventLoopGroup g : new EventLoopGroup[] {clientLoop, serverLoop}) {
      g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /**
   * One end; the acceptor's end exists once the dialler's first bytes arrived. Closing either end
   * closes the whole QUIC connection, as closing a provider connection does.
   */
  private static final class Endpoint implements BenchEndpoint {
    private final CompletableFuture<FramedEndpoint> framed;
    private final QuicStreamChannel stream; // null for the acceptor until it exists

    Endpoint(CompletableFuture<FramedEndpoint> framed, QuicStreamChannel stream) {
      this.framed = framed;
      this.stream = stream;
    }

    @Override
    public CompletableFuture<Void> send(byte[] message) {
      FramedEndpoint e = framed.getNow(null);
      return e != null ? e.send(message) : framed.thenCompose(f -> f.send(message));
    }

    @Override
    public CompletableFuture<byte[]> recv() {
      FramedEndpoint e = framed.getNow(null);
      return e != null ? e.recv() : framed.thenCompose(FramedEndpoint::recv);
    }

    @Override
    public void close() {
      if (stream != null) {
        stream.parent().close();
      }
    }
  }

  @ChannelHandler.Sharable
  private static final class NoOpHandler extends ChannelInboundHandlerAdapter {}
}
