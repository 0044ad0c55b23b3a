package dev.p2p.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;

/**
 * Whatever bytes arrive, the decoder either yields frames or reports a {@link
 * TunnelProtocolException}; it never throws anything else, and every buffer is released. In plain
 * {@code mvn verify} Jazzer runs the inputs under {@code
 * src/test/resources/dev/p2p/tunnel/internal/TunnelFrameDecoderFuzzTestInputs/} (regression mode);
 * {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class TunnelFrameDecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decodeArbitraryBytes(byte[] input) {
    ByteBuf in = Unpooled.buffer(input.length).writeBytes(input); // never the shared EMPTY_BUFFER
    EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(64 * 1024));
    try {
      ch.writeInbound(in);
    } catch (DecoderException e) {
      assertTrue(
          e.getCause() instanceof TunnelProtocolException,
          () -> "only protocol errors may escape, got " + e.getCause());
    }
    Object frame;
    while ((frame = ch.readInbound()) != null) {
      TunnelFrame decoded = (TunnelFrame) frame;
      if (decoded instanceof DataFrame data) {
        assertTrue(data.payloadLength() >= 0);
        data.release();
      } else {
        // Whatever was decoded can be encoded again (strings may have been repaired).
        TunnelFrame again =
            TunnelFrameCodec.decode(TunnelFrameCodec.encode(ByteBufAllocator.DEFAULT, decoded));
        assertEquals(decoded.type(), again.type());
      }
    }
    ch.finishAndReleaseAll();
    assertEquals(0, in.refCnt(), "the input buffer leaked");
  }
}
