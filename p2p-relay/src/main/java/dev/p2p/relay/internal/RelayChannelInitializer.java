package dev.p2p.relay.internal;

import dev.p2p.core.TokenBucket;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Each client's pipeline: [TLS] → read rate limit → idle timer → HTTP codec → aggregator →
 * WebSocket upgrade at /relay → HTTP endpoints → session. The upgrade swaps the HTTP codec and
 * aggregator for the WebSocket codec, and the session removes the HTTP endpoints, so an idle client
 * carries only what it needs.
 */
public final class RelayChannelInitializer extends ChannelInitializer<SocketChannel> {
  static final String HTTP_ENDPOINTS = "http-endpoints";

  /** Requests to /healthz and /metrics are tiny; nothing else is aggregated. */
  private static final int MAX_HTTP_REQUEST = 8 * 1024;

  private final RelayCore core;
  private final Optional<SslContext> ssl;
  private final WebSocketServerProtocolConfig wsConfig;

  public RelayChannelInitializer(RelayCore core, Optional<SslContext> ssl) {
    this.core = core;
    this.ssl = ssl;
    RelaySettings s = core.settings();
    this.wsConfig =
        WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(RelayProtocol.PATH)
            .subprotocols(RelayProtocol.SUBPROTOCOLS)
            .checkStartsWith(false)
            .handleCloseFrames(true)
            .dropPongFrames(true)
            .handshakeTimeoutMillis(s.loginTimeout().toMillis())
            .decoderConfig(
                WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(s.maxFrameSize())
                    .expectMaskedFrames(true)
                    .allowMaskMismatch(false)
                    .allowExtensions(false)
                    // We answer with our own reason frame first (see ClientSession).
                    .closeOnProtocolViolation(false)
                    .withUTF8Validator(false)
                    .build())
            .build();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    RelaySettings s = core.settings();
    ChannelPipeline p = ch.pipeline();
    ssl.ifPresent(ctx -> p.addLast("tls", ctx.newHandler(ch.alloc())));
    // Packets for this client arrive as separate writes from other clients' loops; consolidating
    // their flushes turns a burst into one socket write instead of one per packet.
    p.addLast("flush", new FlushConsolidationHandler(64, true));
    if (s.bytesPerSecond() > 0) {
      p.addLast(
          "rate",
          new ReadRateLimiter(
              new TokenBucket(s.bytesPerSecond(), s.burstBytes(), s.ticker()), core.metrics()));
    }
    p.addLast("idle", new IdleStateHandler(s.pingInterval().toNanos(), 0, 0, TimeUnit.NANOSECONDS));
    p.addLast("http", new HttpServerCodec(4096, 8192, 8192));
    p.addLast("aggregator", new HttpObjectAggregator(MAX_HTTP_REQUEST));
    p.addLast("websocket", new WebSocketServerProtocolHandler(wsConfig));
    p.addLast(HTTP_ENDPOINTS, new HttpEndpoints(core));
    p.addLast("session", new ClientSession(core, ch));
  }
}
