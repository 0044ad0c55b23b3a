package dev.p2p.relay.internal;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A relay client session: connects to {@code url}/relay, logs in with an identity, then sends and
 * receives packets by peer. Callbacks run on the connection's event loop and must not block. Used
 * by this module's tests and harness; small enough for the QUIC provider's relay transport to build
 * on.
 */
public final class RelayClient implements AutoCloseable {
  /** What a client hears from the relay. Payloads are released when the call returns. */
  public interface Listener {
    default void onPacket(PeerKey source, ByteBuf payload) {}

    default void onPeerGone(PeerKey peer) {}

    default void onPong(long data) {}

    /** The end of one read from the relay's socket: a batch of packets is complete. */
    default void onReadComplete() {}

    /** The session ended: with the relay's reason frame, or {@code null} if none came. */
    default void onClosed(RelayFrame.Reason reason) {}
  }

  /** How to connect. */
  public record Options(
      URI url,
      Ed25519Identity identity,
      String token,
      Listener listener,
      EventLoopGroup group,
      SocketAddress localAddress,
      SslContext ssl,
      boolean answerPings,
      Duration timeout,
      Class<? extends SocketChannel> channelType,
      int receiveBuffer,
      boolean batches) {
    public Options {
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(identity, "identity");
      Objects.requireNonNull(group, "group");
      token = token == null ? "" : token;
      listener = listener == null ? new Listener() {} : listener;
      timeout = timeout == null ? Duration.ofSeconds(10) : timeout;
      channelType = channelType == null ? NioSocketChannel.class : channelType;
      if (receiveBuffer != 0
          && (receiveBuffer < MIN_RECEIVE_BUFFER || receiveBuffer > MAX_RECEIVE_BUFFER)) {
        throw new IllegalArgumentException(
            "the relay socket's receive buffer must be 0 (kernel autotuning) or "
                + MIN_RECEIVE_BUFFER
                + ".."
                + MAX_RECEIVE_BUFFER
                + " bytes, got "
                + receiveBuffer);
      }
    }

    public static Options of(URI url, Ed25519Identity identity, EventLoopGroup group) {
      return new Options(
          url,
          identity,
          "",
          null,
          group,
          null,
          null,
          true,
          null,
          null,
          SOCKET_RECEIVE_BUFFER,
          true);
    }

    public Options withToken(String t) {
      return new Options(
          url,
          identity,
          t,
          listener,
          group,
          localAddress,
          ssl,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }

    public Options withListener(Listener l) {
      return new Options(
          url,
          identity,
          token,
          l,
          group,
          localAddress,
          ssl,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }

    public Options withLocalAddress(SocketAddress a) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          a,
          ssl,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }

    public Options withSsl(SslContext s) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          s,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }

    public Options withGroup(EventLoopGroup g) {
      return new Options(
          url,
          identity,
          token,
          listener,
          g,
          localAddress,
          ssl,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }

    /** The socket channel class, matching {@code group}'s I/O (e.g. epoll); default NIO. */
    public Options withChannelType(Class<? extends SocketChannel> type) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          ssl,
          answerPings,
          timeout,
          type,
          receiveBuffer,
          batches);
    }

    public Options withTimeout(Duration t) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          ssl,
          answerPings,
          t,
          channelType,
          receiveBuffer,
          batches);
    }

    /**
     * Whether to ask for protocol 2, whose batches carry a GSO send in one frame (default true);
     * false asks for protocol 1 only, as older clients do.
     */
    public Options withBatches(boolean b) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          ssl,
          answerPings,
          timeout,
          channelType,
          receiveBuffer,
          b);
    }

    /**
     * The relay socket's {@code SO_RCVBUF} in bytes, 0 for the kernel's autotuning; default {@link
     * #SOCKET_RECEIVE_BUFFER}. It bounds the bytes in flight from the relay to one round trip's
     * worth: raise it for relays far away (at 50 ms, 256 KiB carries about 5 MB/s).
     */
    public Options withReceiveBuffer(int bytes) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          ssl,
          answerPings,
          timeout,
          channelType,
          bytes,
          batches);
    }

    public Options withAnswerPings(boolean answer) {
      return new Options(
          url,
          identity,
          token,
          listener,
          group,
          localAddress,
          ssl,
          answer,
          timeout,
          channelType,
          receiveBuffer,
          batches);
    }
  }

  /**
   * The kernel receive buffer of a client's socket. Autotuned, it grows to {@code tcp_rmem} (32 MB
   * here) and holds whatever a busy reader has not taken yet: for QUIC through a relay a standing
   * queue of a whole flow-control window (8 MiB), so round trips of 20-200 ms on loopback. Bounded,
   * the backlog moves to the relay's per-client queue, which is bounded and drops, and QUIC sees
   * the loss as it would on UDP.
   */
  public static final int SOCKET_RECEIVE_BUFFER = 256 << 10;

  /** The smallest receive buffer {@link Options#withReceiveBuffer} takes: one largest frame. */
  public static final int MIN_RECEIVE_BUFFER = 64 << 10;

  /** The largest receive buffer {@link Options#withReceiveBuffer} takes. */
  public static final int MAX_RECEIVE_BUFFER = 1 << 30;

  private final Channel channel;
  private final PeerKey self;
  private final CompletableFuture<RelayFrame.Reason> closed;
  private volatile RelayFrame.Welcome welcome;
  private volatile boolean batches;

  private RelayClient(Channel channel, PeerKey self, CompletableFuture<RelayFrame.Reason> closed) {
    this.channel = channel;
    this.self = self;
    this.closed = closed;
  }

  /**
   * Connects and logs in. The future completes once the relay has welcomed this client; it fails
   * with {@link RelayRefusedException} if the relay refuses the login, or {@link
   * ConnectionFailedException} if it cannot be reached or does not answer within the timeout.
   */
  public static CompletableFuture<RelayClient> connect(Options o) {
    boolean tls = "https".equalsIgnoreCase(o.url().getScheme());
    int port = o.url().getPort() > 0 ? o.url().getPort() : tls ? 443 : 80;
    URI ws =
        URI.create(
            (tls ? "wss://" : "ws://") + o.url().getHost() + ":" + port + RelayProtocol.PATH);
    CompletableFuture<RelayClient> loggedIn = new CompletableFuture<>();
    CompletableFuture<RelayFrame.Reason> closed = new CompletableFuture<>();
    PeerKey self = PeerKey.of(o.identity().peerId());
    WebSocketClientProtocolConfig wsConfig =
        WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(ws)
            .subprotocol(o.batches() ? RelayProtocol.SUBPROTOCOLS : RelayProtocol.SUBPROTOCOL)
            .version(WebSocketVersion.V13)
            .customHeaders(new DefaultHttpHeaders())
            .maxFramePayloadLength(1 << 20)
            .handshakeTimeoutMillis(o.timeout().toMillis())
            .handleCloseFrames(true)
            .dropPongFrames(true)
            .withUTF8Validator(false)
            .build();
    RelayClient[] holder = new RelayClient[1];
    Bootstrap b =
        new Bootstrap()
            .group(o.group())
            .channel(o.channelType())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_RCVBUF, o.receiveBuffer() > 0 ? o.receiveBuffer() : null)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) o.timeout().toMillis())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // Before any read: the handler may see the welcome before connect() returns.
                    holder[0] = new RelayClient(ch, self, closed);
                    if (tls) {
                      if (o.ssl() == null) {
                        throw new IllegalArgumentException("an https relay needs Options.ssl");
                      }
                      ch.pipeline()
                          .addLast(o.ssl().newHandler(ch.alloc(), o.url().getHost(), port));
                    }
                    RelayClientHandshaker handshaker =
                        new RelayClientHandshaker(
                            ws,
                            o.batches() ? RelayProtocol.SUBPROTOCOLS : RelayProtocol.SUBPROTOCOL,
                            wsConfig.maxFramePayloadLength(),
                            wsConfig.forceCloseTimeoutMillis());
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(new WebSocketClientProtocolHandler(handshaker, wsConfig))
                        .addLast(new Handler(o, self, loggedIn, closed, holder, handshaker));
                  }
                });
    ChannelFuture cf =
        o.localAddress() == null
            ? b.connect(o.url().getHost(), port)
            : b.connect(new InetSocketAddress(o.url().getHost(), port), o.localAddress());
    cf.addListener(
        f -> {
          if (!f.isSuccess()) {
            loggedIn.completeExceptionally(
                new ConnectionFailedException(
                    "cannot reach relay " + o.url() + ": " + f.cause().getMessage(), f.cause()));
          }
        });
    cf.channel()
        .eventLoop()
        .schedule(
            () -> {
              if (loggedIn.completeExceptionally(
                  new ConnectionFailedException(
                      "relay " + o.url() + " did not welcome us within " + o.timeout()))) {
                cf.channel().close();
              }
            },
            o.timeout().toMillis(),
            java.util.concurrent.TimeUnit.MILLISECONDS);
    return loggedIn;
  }

  public PeerKey self() {
    return self;
  }

  /** The limits the relay announced at login. */
  /**
   * Whether the relay chose protocol 2, so takes batches from this client ({@link
   * RelayProtocol#SEND_BATCH}); known once logged in. The relay splits them for peers of protocol
   * 1, so a batch suits any destination.
   */
  public boolean batches() {
    return batches;
  }

  public RelayFrame.Welcome welcome() {
    return welcome;
  }

  /** Sends {@code payload} (released by this call) to {@code destination}. */
  public ChannelFuture send(PeerId destination, ByteBuf payload) {
    return send(PeerKey.of(destination), payload);
  }

  public ChannelFuture send(PeerKey destination, ByteBuf payload) {
    try {
      return sendFrame(RelayFrameCodec.packet(channel.alloc(), true, destination, payload));
    } finally {
      payload.release();
    }
  }

  /** Sends one frame's bytes as a binary WebSocket message; any bytes, for tests. */
  public ChannelFuture sendFrame(ByteBuf frame) {
    return channel.writeAndFlush(new BinaryWebSocketFrame(frame));
  }

  /** Sends any WebSocket frame (text, fragments); for tests of the relay's refusals. */
  public ChannelFuture sendWebSocketFrame(WebSocketFrame frame) {
    return channel.writeAndFlush(frame);
  }

  public ChannelFuture ping(long data) {
    return sendFrame(RelayFrameCodec.ping(channel.alloc(), data));
  }

  /** Stops (or resumes) reading from the relay: TCP back-pressure toward it. */
  public void setAutoRead(boolean read) {
    channel.config().setAutoRead(read);
  }

  /** Completes when the session ends, with the relay's reason frame or {@code null}. */
  public CompletableFuture<RelayFrame.Reason> closed() {
    return closed;
  }

  public Channel channel() {
    return channel;
  }

  @Override
  public void close() {
    channel.close();
  }

  private static final class Handler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private final Options o;
    private final PeerKey self;
    private final CompletableFuture<RelayClient> loggedIn;
    private final CompletableFuture<RelayFrame.Reason> closed;
    private final RelayClient[] holder;
    private final RelayClientHandshaker handshaker;
    private RelayFrame.Reason reason;

    Handler(
        Options o,
        PeerKey self,
        CompletableFuture<RelayClient> loggedIn,
        CompletableFuture<RelayFrame.Reason> closed,
        RelayClient[] holder,
        RelayClientHandshaker handshaker) {
      this.handshaker = handshaker;
      this.o = o;
      this.self = self;
      this.loggedIn = loggedIn;
      this.closed = closed;
      this.holder = holder;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (!(frame instanceof BinaryWebSocketFrame)) {
        return;
      }
      RelayFrame f;
      try {
        f = RelayFrameCodec.decode(frame.content(), 1 << 20);
      } catch (RelayProtocolException e) {
        ctx.close();
        return;
      }
      if (f instanceof RelayFrame.Challenge c) {
        byte[] sig = o.identity().sign(RelayProtocol.loginMessage(c.challenge()));
        ctx.writeAndFlush(
            new BinaryWebSocketFrame(RelayFrameCodec.login(ctx.alloc(), self, sig, o.token())));
      } else if (f instanceof RelayFrame.Welcome w) {
        holder[0].batches = RelayProtocol.SUBPROTOCOL_V2.equals(handshaker.actualSubprotocol());
        holder[0].welcome = w;
        loggedIn.complete(holder[0]);
      } else if (f instanceof RelayFrame.Packet p) {
        try {
          o.listener().onPacket(p.peer(), p.payload());
        } finally {
          p.payload().release();
        }
      } else if (f instanceof RelayFrame.Batch b) {
        ByteBuf all = b.payload();
        try {
          int end = all.writerIndex();
          for (int at = all.readerIndex(); at < end; at += b.segmentSize()) {
            o.listener().onPacket(b.peer(), all.slice(at, Math.min(b.segmentSize(), end - at)));
          }
        } finally {
          all.release();
        }
      } else if (f instanceof RelayFrame.PeerGone g) {
        o.listener().onPeerGone(g.peer());
      } else if (f instanceof RelayFrame.Ping p) {
        if (o.answerPings()) {
          ctx.writeAndFlush(new BinaryWebSocketFrame(RelayFrameCodec.pong(ctx.alloc(), p.data())));
        }
      } else if (f instanceof RelayFrame.Pong p) {
        o.listener().onPong(p.data());
      } else if (f instanceof RelayFrame.Reason r) {
        reason = r;
        loggedIn.completeExceptionally(new RelayRefusedException(r.reason(), r.message()));
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      o.listener().onReadComplete();
      ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      loggedIn.completeExceptionally(
          reason != null
              ? new RelayRefusedException(reason.reason(), reason.message())
              : new ConnectionFailedException("relay " + o.url() + " closed the connection"));
      closed.complete(reason);
      o.listener().onClosed(reason);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      loggedIn.completeExceptionally(
          new ConnectionFailedException("relay " + o.url() + ": " + cause.getMessage(), cause));
      ctx.close();
    }
  }
}
