package dev.p2p.tunnel.internal;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PException;
import dev.p2p.identity.Ed25519Identity;
import io.netty.bootstrap.Bootstrap;
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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client end of one TCP channel to the tunnel server: registers (proves the key), answers
 * pings, turns the server's errors into the exceptions a user sees, and hands everything else to
 * the {@link TunnelSession}, which decides what a channel's events mean for the session.
 */
final class SessionHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);

  /** Queue toward the server; a send completes once its bytes fit under the high mark. */
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(512 * 1024, 1024 * 1024);

  private final TunnelSession session;
  private final Ed25519Identity identity;
  private final TunnelClientSettings settings;
  private final KeepAlive keepAlive;

  SessionHandler(
      TunnelSession session,
      Ed25519Identity identity,
      TunnelClientSettings settings,
      KeepAlive keepAlive) {
    this.session = session;
    this.identity = identity;
    this.settings = settings;
    this.keepAlive = keepAlive;
  }

  /** A bootstrap for one channel to {@code server}: TLS if configured, frames, a new handler. */
  static Bootstrap bootstrap(
      EventLoop loop,
      Duration connectTimeout,
      Optional<SslContext> ssl,
      InetSocketAddress server,
      Supplier<SessionHandler> handler) {
    return new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .option(ChannelOption.RCVBUF_ALLOCATOR, TunnelFrameDecoder.readAllocator())
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
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
                ch.pipeline().addLast(new TunnelFrameDecoder(64 * 1024)).addLast(handler.get());
              }
            });
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    keepAlive.touch();
    session.send(
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
    TunnelFrame frame = (TunnelFrame) msg;
    switch (frame.type()) {
      case CHALLENGE -> {
        byte[] nonce = ((TunnelFrame.Challenge) frame).nonce();
        byte[] signed = TunnelProtocol.signedChallenge(nonce, identity.peerId(), settings.appId());
        session.send(ctx.channel(), new TunnelFrame.ChallengeResponse(identity.sign(signed)));
      }
      case REGISTERED -> session.onRegistered((TunnelFrame.Registered) frame, ctx.channel());
      case PING ->
          session.send(ctx.channel(), new TunnelFrame.Pong(((TunnelFrame.Ping) frame).token()));
      case PONG -> keepAlive.pong(((TunnelFrame.Pong) frame).token());
      case ERROR -> onError((TunnelFrame.Error) frame, ctx);
      default -> session.onConnectionFrame(frame);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Once per socket read, not per frame: a clock read per 1 KiB frame was a measurable part of
    // the receiving loop's time, and the idle check needs only "something arrived lately".
    keepAlive.touch();
    ctx.fireChannelReadComplete();
  }

  private void onError(TunnelFrame.Error error, ChannelHandlerContext ctx) {
    String text =
        "tunnel server " + session.serverText() + " closed the session: " + error.message();
    if (!session.isRegistered() && error.code() == ErrorCode.MALFORMED_FRAME) {
      // A server older than flow control cannot read this client's REGISTER.
      text += " (a server without flow control? upgrade the tunnel server before its clients)";
    }
    log.debug("{} ({})", text, error.code());
    if (error.code().isPermanent()) {
      P2PException permanent =
          switch (error.code()) {
            case AUTHENTICATION_FAILED, ACCESS_DENIED, BANNED ->
                new AuthenticationFailedException(text);
            default -> new ConnectionFailedException(text);
          };
      session.failPermanently(permanent);
    }
    ctx.close();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    session.writabilityChanged(ctx.channel());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    session.channelLost(ctx.channel());
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable t =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    String server = session.serverText();
    if (t instanceof TunnelProtocolException e) {
      log.warn("tunnel server {} sent a bad frame: {}", server, e.getMessage());
      ctx.writeAndFlush(
              TunnelFrameCodec.encode(ctx.alloc(), new TunnelFrame.Error(e.code(), e.getMessage())))
          .addListener(f -> ctx.close());
    } else if (t instanceof ClosedChannelException) {
      return; // a queued write failed because the channel closed: already handled
    } else if (t instanceof IOException) {
      log.debug("connection to tunnel server {} failed: {}", server, t.toString());
      ctx.close();
    } else {
      log.warn("unexpected error in the tunnel session with {}", server, t);
      ctx.close();
    }
  }
}
