package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * RFC 6455 masking (section 5.3), the same XOR both ways, done eight bytes at a time over NIO
 * buffers in the pass that copies. Netty's codec masks and unmasks through {@code ByteBuf} get/set
 * calls, four bytes each, whose per-call index and reference-count checks were the largest Java
 * cost of the relay path in JFR profiles: on the client's writes ({@link MaskingFrameEncoder}) and
 * on the relay's reads ({@link UnmaskingFrameDecoder}).
 */
final class WebSocketMask {
  private WebSocketMask() {}

  /**
   * Appends {@code length} bytes of {@code src} from {@code index} to {@code dst}, each XORed with
   * its byte of {@code mask} (big-endian, as on the wire; the first byte takes the key's first).
   * Moves neither of {@code src}'s indexes.
   */
  static void xor(ByteBuf src, int index, int length, ByteBuf dst, int mask) {
    int at = dst.writerIndex();
    dst.ensureWritable(length);
    ByteBuffer to = dst.nioBuffer(at, length).order(ByteOrder.BIG_ENDIAN);
    int done = 0;
    if (src.nioBufferCount() == 1) {
      done = xor(src.nioBuffer(index, length), to, 0, mask);
    } else {
      for (ByteBuffer part : src.nioBuffers(index, length)) {
        done = xor(part, to, done, mask);
      }
    }
    dst.writerIndex(at + done);
  }

  /**
   * XORs {@code from} into {@code to} at {@code offset} (also the offset into the payload, which
   * picks the key byte); returns the new offset.
   */
  private static int xor(ByteBuffer from, ByteBuffer to, int offset, int mask) {
    from = from.order(ByteOrder.BIG_ENDIAN);
    int n = from.remaining();
    int s = from.position();
    // The key as it applies from this offset on, repeated over eight bytes.
    int rotated = Integer.rotateLeft(mask, 8 * (offset & 3));
    long key = (rotated & 0xFFFFFFFFL) << 32 | (rotated & 0xFFFFFFFFL);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      to.putLong(offset + i, from.getLong(s + i) ^ key);
    }
    for (; i < n; i++) {
      int keyByte = rotated >>> (24 - 8 * (i & 3));
      to.put(offset + i, (byte) (from.get(s + i) ^ keyByte));
    }
    return offset + n;
  }
}
