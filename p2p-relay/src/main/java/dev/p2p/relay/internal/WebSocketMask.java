package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * RFC 6455 masking (section 5.3), the same XOR both ways, done eight bytes at a time over NIO
 * buffers in the pass that copies. Netty's codec masks and unmasks through {@code ByteBuf} get/set
 * calls, four bytes each, whose per-call index and reference-count checks were the largest Java
 * cost of the relay path in JFR profiles: on the client's writes ({@link MaskingFrameEncoder}) and
 * on the relay's reads ({@link SlicingFrameDecoder}).
 */
final class WebSocketMask {
  /** Whether direct buffers can be read and written eight bytes at a time by address. */
  private static final boolean RAW =
      PlatformDependent.hasUnsafe() && PlatformDependent.isUnaligned();

  private static final boolean BIG_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN;

  private WebSocketMask() {}

  /**
   * Appends {@code length} bytes of {@code src} from {@code index} to {@code dst}, each XORed with
   * its byte of {@code mask} (big-endian, as on the wire; the first byte takes the key's first).
   * Moves neither of {@code src}'s indexes.
   */
  static void xor(ByteBuf src, int index, int length, ByteBuf dst, int mask) {
    int at = dst.writerIndex();
    dst.ensureWritable(length);
    ByteBuffer to = dst.nioBuffer(at, length);
    int done = 0;
    for (ByteBuffer part : src.nioBuffers(index, length)) {
      int n = part.remaining();
      xor(part, part.position(), n, to, done, done, mask);
      done += n;
    }
    dst.writerIndex(at + done);
  }

  /**
   * XORs {@code length} bytes of {@code buf} from {@code index} with {@code mask} where they lie
   * (the first byte takes the key's first), so that a payload can be passed on as a slice of the
   * read buffer instead of a copy. Moves none of {@code buf}'s indexes; {@code buf} must not be
   * read-only.
   */
  static void xorInPlace(ByteBuf buf, int index, int length, int mask) {
    int done = 0;
    for (ByteBuffer part : buf.nioBuffers(index, length)) {
      int n = part.remaining();
      xor(part, part.position(), n, part, part.position(), done, mask);
      done += n;
    }
  }

  /**
   * XORs {@code n} bytes of {@code from} at absolute index {@code s} into {@code to} at absolute
   * index {@code t} ({@code from} itself for in place), with the key as it applies at payload
   * offset {@code offset} (which picks the key byte of the first).
   */
  private static void xor(
      ByteBuffer from, int s, int n, ByteBuffer to, int t, int offset, int mask) {
    from = from.duplicate().order(ByteOrder.BIG_ENDIAN).clear();
    to = to.duplicate().order(ByteOrder.BIG_ENDIAN).clear();
    if (s + n > from.limit() || t + n > to.limit()) {
      throw new IndexOutOfBoundsException(
          "masking " + n + " bytes at " + t + " into " + to.limit());
    }
    // The key as it applies from this offset on, repeated over eight bytes.
    int rotated = Integer.rotateLeft(mask, 8 * (offset & 3));
    long key = (rotated & 0xFFFFFFFFL) << 32 | (rotated & 0xFFFFFFFFL);
    int i = 0;
    if (RAW && from.isDirect() && to.isDirect()) {
      // Direct memory by address: ByteBuffer.getLong/putLong check the index on every call, which
      // JFR showed as a third of the masking loop's samples. The bounds were checked once above.
      long src = PlatformDependent.directBufferAddress(from) + s;
      long dst = PlatformDependent.directBufferAddress(to) + t;
      long nativeKey = BIG_ENDIAN ? key : Long.reverseBytes(key);
      for (; i + 8 <= n; i += 8) {
        PlatformDependent.putLong(dst + i, PlatformDependent.getLong(src + i) ^ nativeKey);
      }
    }
    for (; i + 8 <= n; i += 8) {
      to.putLong(t + i, from.getLong(s + i) ^ key);
    }
    for (; i < n; i++) {
      int keyByte = rotated >>> (24 - 8 * (i & 3));
      to.put(t + i, (byte) (from.get(s + i) ^ keyByte));
    }
  }
}
