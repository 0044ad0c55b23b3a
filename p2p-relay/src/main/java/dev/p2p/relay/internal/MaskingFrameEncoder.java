package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The client's WebSocket frame encoder (RFC 6455 section 5.2, masked as a client must, a fresh
 * random key per frame), masking in the copy pass ({@link WebSocketMask}). Netty's own encoder
 * masks through {@code ByteBuf.writeLong}, whose per-call index and reference-count checks made
 * masking the relay client's largest Java cost in bulk transfers (the JFR profile of {@code
 * TransportBenchmark}'s relay transport). The handshake stays Netty's ({@link
 * RelayClientHandshaker}); the decoder is {@link SlicingFrameDecoder}.
 */
final class MaskingFrameEncoder extends MessageToMessageEncoder<WebSocketFrame>
    implements WebSocketFrameEncoder {

  MaskingFrameEncoder() {
    super(WebSocketFrame.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
    ByteBuf data = frame.content();
    int length = data.readableBytes();
    int header = 2 + (length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8) + 4;
    ByteBuf buf = ctx.alloc().buffer(header + length);
    try {
      int b0 = (frame.isFinalFragment() ? 0x80 : 0) | (frame.rsv() & 0x7) << 4 | opcode(frame);
      buf.writeByte(b0);
      if (length <= 125) {
        buf.writeByte(0x80 | length);
      } else if (length <= 0xFFFF) {
        buf.writeByte(0x80 | 126).writeShort(length);
      } else {
        buf.writeByte(0x80 | 127).writeLong(length);
      }
      int mask = ThreadLocalRandom.current().nextInt();
      buf.writeInt(mask);
      WebSocketMask.xor(data, data.readerIndex(), length, buf, mask);
      out.add(buf);
      buf = null;
    } finally {
      if (buf != null) {
        buf.release();
      }
    }
  }

  private static int opcode(WebSocketFrame frame) {
    if (frame instanceof BinaryWebSocketFrame) {
      return WebSocketOpcodes.BINARY;
    } else if (frame instanceof TextWebSocketFrame) {
      return WebSocketOpcodes.TEXT;
    } else if (frame instanceof PingWebSocketFrame) {
      return WebSocketOpcodes.PING;
    } else if (frame instanceof PongWebSocketFrame) {
      return WebSocketOpcodes.PONG;
    } else if (frame instanceof CloseWebSocketFrame) {
      return WebSocketOpcodes.CLOSE;
    } else if (frame instanceof ContinuationWebSocketFrame) {
      return WebSocketOpcodes.CONTINUATION;
    }
    throw new UnsupportedOperationException(
        "cannot encode a " + frame.getClass().getSimpleName() + " WebSocket frame");
  }
}
