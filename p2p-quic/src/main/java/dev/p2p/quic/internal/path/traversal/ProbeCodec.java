package dev.p2p.quic.internal.path.traversal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Wire form of the path layer's probes, outside QUIC: {@code 0x04 "p2pPATH" type(1 = ping, 2 =
 * pong) tag(8) nonce(8) mac(16)}, 41 bytes; mac is HMAC-SHA256 truncated to 128 bits over {@code
 * type tag nonce}, under the key of the side the ping is addressed to (see {@link ProbeKeys}). The
 * first byte has the QUIC fixed bit (0x40) clear and is outside STUN's 0..3 (RFC 9443), so none of
 * the three protocols sharing the socket can mistake another's packet for its own.
 */
public final class ProbeCodec {
  public static final int LENGTH = 41;
  static final byte PING = 1;
  static final byte PONG = 2;
  private static final byte FIRST = 0x04;
  private static final byte[] MAGIC = "p2pPATH".getBytes(StandardCharsets.US_ASCII);
  private static final int TYPE_AT = 1 + MAGIC.length;
  private static final int TAG_AT = TYPE_AT + 1;
  private static final int NONCE_AT = TAG_AT + 8;
  private static final int MAC_AT = NONCE_AT + 8;
  private static final int MAC_LENGTH = 16;

  private ProbeCodec() {}

  public static boolean isProbe(ByteBuf buf) {
    int at = buf.readerIndex();
    if (buf.readableBytes() != LENGTH || buf.getByte(at) != FIRST) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (buf.getByte(at + 1 + i) != MAGIC[i]) {
        return false;
      }
    }
    byte type = buf.getByte(at + TYPE_AT);
    return type == PING || type == PONG;
  }

  static byte type(ByteBuf probe) {
    return probe.getByte(probe.readerIndex() + TYPE_AT);
  }

  static long tag(ByteBuf probe) {
    return probe.getLong(probe.readerIndex() + TAG_AT);
  }

  static long nonce(ByteBuf probe) {
    return probe.getLong(probe.readerIndex() + NONCE_AT);
  }

  static ByteBuf encode(ByteBufAllocator alloc, byte type, long tag, long nonce, byte[] key) {
    return alloc
        .buffer(LENGTH)
        .writeByte(FIRST)
        .writeBytes(MAGIC)
        .writeByte(type)
        .writeLong(tag)
        .writeLong(nonce)
        .writeBytes(mac(key, type, tag, nonce));
  }

  /** Whether the probe's MAC is right under {@code key} (compared in constant time). */
  static boolean verify(ByteBuf probe, byte[] key) {
    byte[] expected = mac(key, type(probe), tag(probe), nonce(probe));
    byte[] got = new byte[MAC_LENGTH];
    probe.getBytes(probe.readerIndex() + MAC_AT, got);
    return MessageDigest.isEqual(expected, got);
  }

  private static byte[] mac(byte[] key, byte type, long tag, long nonce) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(key, "HmacSHA256"));
      m.update(type);
      for (int i = 56; i >= 0; i -= 8) {
        m.update((byte) (tag >>> i));
      }
      for (int i = 56; i >= 0; i -= 8) {
        m.update((byte) (nonce >>> i));
      }
      byte[] full = m.doFinal();
      byte[] out = new byte[MAC_LENGTH];
      System.arraycopy(full, 0, out, 0, MAC_LENGTH);
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
