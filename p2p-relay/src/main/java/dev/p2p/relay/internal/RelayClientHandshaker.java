package dev.p2p.relay.internal;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker13;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;

/**
 * Netty's RFC 6455 client handshake, with {@link MaskingFrameEncoder} and {@link
 * SlicingFrameDecoder} as the frame codec once the upgrade is done.
 */
final class RelayClientHandshaker extends WebSocketClientHandshaker13 {
  RelayClientHandshaker(URI ws, String subprotocol, int maxFramePayload, long forceCloseMillis) {
    super(
        ws,
        WebSocketVersion.V13,
        subprotocol,
        false,
        new DefaultHttpHeaders(),
        maxFramePayload,
        true,
        false,
        forceCloseMillis);
  }

  @Override
  protected WebSocketFrameDecoder newWebsocketDecoder() {
    return SlicingFrameDecoder.forRelayFrames(maxFramePayloadLength());
  }

  @Override
  protected WebSocketFrameEncoder newWebSocketEncoder() {
    return new MaskingFrameEncoder();
  }
}
