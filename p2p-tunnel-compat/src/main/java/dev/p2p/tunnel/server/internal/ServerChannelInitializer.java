package dev.p2p.tunnel.server.internal;

import dev.p2p.core.TokenBucket;
import dev.p2p.tunnel.internal.TunnelFrameDecoder;
import dev.p2p.tunnel.internal.TunnelProtocol;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Builds each client's pipeline: [TLS] → idle timer → rate limit → frame decoder → session. */
public final class ServerChannelInitializer extends ChannelInitializer<SocketChannel> {
  private final ServerCore core;
  private final Optional<SslContext> ssl;

  public ServerChannelInitializer(ServerCore core, Optional<SslContext> ssl) {
    this.core = core;
    this.ssl = ssl;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ServerSettings settings = core.settings();
    ChannelPipeline p = ch.pipeline();
    ch.config().setRecvByteBufAllocator(new ReadSizes()); // before the first read
    ssl.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    p.addLast(
        "idle", new IdleStateHandler(settings.idleTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
    ReadGate gate = new ReadGate(ch);
    if (settings.bytesPerSecondPerPeer() > 0) {
      p.addLast(
          "rate",
          new ReadRateLimiter(
              new TokenBucket(
                  settings.bytesPerSecondPerPeer(),
                  settings.burstBytesPerPeer(),
                  settings.ticker()),
              gate));
    }
    TunnelFrameDecoder decoder = new TunnelFrameDecoder(TunnelProtocol.MAX_UNREGISTERED_FRAME_SIZE);
    p.addLast("frames", decoder);
    p.addLast("session", new ServerSession(core, ch, decoder, gate));
  }
}
