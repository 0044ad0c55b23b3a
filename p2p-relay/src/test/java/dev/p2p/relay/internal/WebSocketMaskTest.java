package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Masking against RFC 6455's definition (octet i XOR key octet i mod 4), copied and in place, over
 * direct, heap and composite buffers whose parts split the payload anywhere.
 */
class WebSocketMaskTest {
  @Test
  void copiesAndInPlaceMaskAsTheRfcDefines() {
    qt().withExamples(300)
        .forAll(integers().between(0, 300), integers().all(), integers().between(0, 6))
        .checkAssert(
            (length, mask, layout) -> {
              byte[] plain = new byte[length];
              new Random(length * 31L + mask).nextBytes(plain);
              byte[] expected = rfcMask(plain, mask);

              ByteBuf src = buffer(plain, layout, length);
              ByteBuf copy = Unpooled.directBuffer(length + 3).writeBytes(new byte[3]);
              WebSocketMask.xor(src, src.readerIndex(), length, copy, mask);
              assertArrayEquals(expected, ByteBufUtil.getBytes(copy, 3, length), "copy");

              WebSocketMask.xorInPlace(src, src.readerIndex(), length, mask);
              assertArrayEquals(expected, ByteBufUtil.getBytes(src), "in place, layout " + layout);
              src.release();
              copy.release();
            });
  }

  private static byte[] rfcMask(byte[] plain, int mask) {
    byte[] out = new byte[plain.length];
    for (int i = 0; i < plain.length; i++) {
      out[i] = (byte) (plain[i] ^ (mask >>> (24 - 8 * (i % 4))));
    }
    return out;
  }

  /** The bytes in a buffer of one of several layouts, readable from a non-zero index. */
  private static ByteBuf buffer(byte[] bytes, int layout, int length) {
    switch (layout) {
      case 0:
        return Unpooled.directBuffer().writeBytes(bytes);
      case 1:
        return Unpooled.buffer().writeBytes(bytes);
      case 2:
        return Unpooled.directBuffer().writeZero(5).writeBytes(bytes).skipBytes(5);
      default:
        // A composite of parts of odd sizes, direct and heap by turns.
        CompositeByteBuf c = Unpooled.compositeBuffer();
        int at = 0;
        for (int part = 0; at < length; part++) {
          int n = Math.min(length - at, 1 + (part * 7 + layout) % 13);
          ByteBuf b = part % 2 == 0 ? Unpooled.directBuffer(n) : Unpooled.buffer(n);
          c.addComponent(true, b.writeBytes(bytes, at, n));
          at += n;
        }
        return c;
    }
  }
}
