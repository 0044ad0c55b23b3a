package dev.p2p.relay.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The plain HTTP side of the relay: {@code GET /healthz} (200 while serving), {@code GET /metrics}
 * (Prometheus text) and 404 for anything else. Requests to {@code /relay} never get here: Netty's
 * handshaker upgrades them, or answers 400 when they are not an upgrade. Removed from the pipeline
 * once a connection becomes a WebSocket.
 */
final class HttpEndpoints extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final RelayCore core;

  HttpEndpoints(RelayCore core) {
    this.core = core;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
    if (!req.decoderResult().isSuccess()) {
      respond(
          ctx, req, HttpResponseStatus.BAD_REQUEST, "text/plain", bytes("bad request\n"), false);
      return;
    }
    String path = new QueryStringDecoder(req.uri()).path();
    boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
    boolean keepAlive = HttpUtil.isKeepAlive(req);
    if (get && path.equals("/healthz")) {
      FullHttpResponse res = response(req, HttpResponseStatus.OK, "text/plain", bytes("ok\n"));
      res.headers().setInt(RelayProtocol.STUN_PORT_HEADER, core.stunPort());
      send(ctx, res, keepAlive);
    } else if (get && path.equals("/metrics")) {
      RelayMetrics metrics = core.metrics();
      respond(ctx, req, HttpResponseStatus.OK, metrics.contentType(), metrics.scrape(), keepAlive);
    } else {
      respond(
          ctx, req, HttpResponseStatus.NOT_FOUND, "text/plain", bytes("not found\n"), keepAlive);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void respond(
      ChannelHandlerContext ctx,
      FullHttpRequest req,
      HttpResponseStatus status,
      String contentType,
      byte[] body,
      boolean keepAlive) {
    send(ctx, response(req, status, contentType, body), keepAlive);
  }

  private static FullHttpResponse response(
      FullHttpRequest req, HttpResponseStatus status, String contentType, byte[] body) {
    boolean head = req.method().equals(HttpMethod.HEAD);
    FullHttpResponse res =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    res.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, contentType)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
    return res;
  }

  private static void send(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
    if (keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    } else {
      res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    ChannelFuture f = ctx.writeAndFlush(res);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }
}
