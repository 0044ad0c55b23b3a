package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Our masking encoder's frames read back through Netty's RFC 6455 server-side decoder. */
class MaskingFrameEncoderTest {
  private static final int[] SIZES = {
    0, 1, 3, 7, 8, 9, 125, 126, 127, 4095, 65_535, 65_536, 70_001
  };

  @Test
  void netty_decodes_every_size_and_split_to_the_same_bytes() {
    Random random = new Random(42);
    for (int size : SIZES) {
      byte[] payload = new byte[size];
      random.nextBytes(payload);
      assertArrayEquals(
          payload, roundTrip(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload))));
      // A composite (header + payload, as the relay session sends) split at every phase of the key.
      for (int split = 0; split <= Math.min(size, 11); split++) {
        ByteBuf composite =
            Unpooled.wrappedBuffer(
                Unpooled.wrappedBuffer(payload, 0, split),
                Unpooled.directBuffer(size).writeBytes(payload, split, size - split));
        assertArrayEquals(
            payload,
            roundTrip(new BinaryWebSocketFrame(composite)),
            "size " + size + " split at " + split);
      }
    }
  }

  @Test
  void the_key_is_fresh_and_the_payload_is_masked_on_the_wire() {
    byte[] payload = new byte[64];
    EmbeddedChannel ch = new EmbeddedChannel(new MaskingFrameEncoder());
    ch.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    ch.writeOutbound(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(payload)));
    ByteBuf a = ch.readOutbound();
    ByteBuf b = ch.readOutbound();
    assertEquals(0x80 | 64, a.getUnsignedByte(1), "mask bit and length");
    assertFalse(a.getInt(2) == b.getInt(2), "two frames with the same masking key");
    // A zero payload shows the key itself; it must not be sent in the clear.
    assertFalse(ByteBufUtil.equals(Unpooled.wrappedBuffer(payload), a.slice(6, 64)));
    a.release();
    b.release();
    ch.finishAndReleaseAll();
  }

  @Test
  void control_and_fragment_frames_keep_their_opcode_and_fin_bit() {
    EmbeddedChannel server = decoder();
    EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
    client.writeOutbound(
        new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {1})));
    client.writeOutbound(
        new ContinuationWebSocketFrame(true, 0, Unpooled.wrappedBuffer(new byte[] {2})));
    client.writeOutbound(new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {3})));
    for (ByteBuf wire; (wire = client.readOutbound()) != null; ) {
      server.writeInbound(wire);
    }
    WebSocketFrame first = server.readInbound();
    WebSocketFrame second = server.readInbound();
    WebSocketFrame third = server.readInbound();
    assertInstanceOf(BinaryWebSocketFrame.class, first);
    assertFalse(first.isFinalFragment());
    assertInstanceOf(ContinuationWebSocketFrame.class, second);
    assertInstanceOf(PingWebSocketFrame.class, third);
    assertEquals(3, third.content().getByte(0));
    first.release();
    second.release();
    third.release();
    server.finishAndReleaseAll();
    client.finishAndReleaseAll();
  }

  private static byte[] roundTrip(WebSocketFrame frame) {
    EmbeddedChannel client = new EmbeddedChannel(new MaskingFrameEncoder());
    EmbeddedChannel server = decoder();
    client.writeOutbound(frame);
    ByteBuf wire = client.readOutbound();
    server.writeInbound(wire);
    WebSocketFrame decoded = server.readInbound();
    try {
      return ByteBufUtil.getBytes(decoded.content());
    } finally {
      decoded.release();
      client.finishAndReleaseAll();
      server.finishAndReleaseAll();
    }
  }

  private static EmbeddedChannel decoder() {
    return new EmbeddedChannel(
        new WebSocket13FrameDecoder(
            WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .maxFramePayloadLength(1 << 20)
                .build()));
  }
}
