package dev.p2p.api.internal;

/**
 * Lowercase RFC 4648 base32 without padding. Hand-written because p2p-api carries no dependencies.
 * Decoding is strict: unused trailing bits must be zero, so every byte string has exactly one text.
 */
public final class Base32 {
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private Base32() {}

  public static String encode(byte[] data) {
    StringBuilder out = new StringBuilder((data.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : data) {
      buffer = (buffer << 8) | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET[(buffer >>> (bits - 5)) & 31]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET[(buffer << (5 - bits)) & 31]);
    }
    return out.toString();
  }

  /**
   * Decodes {@code text}.
   *
   * @throws IllegalArgumentException naming the offending character or the non-canonical tail
   */
  public static byte[] decode(CharSequence text) {
    int length = text.length();
    int tailBits = (length * 5) % 8;
    if (tailBits >= 5) {
      throw new IllegalArgumentException("base32 text of length " + length + " is truncated");
    }
    byte[] out = new byte[length * 5 / 8];
    int buffer = 0;
    int bits = 0;
    int index = 0;
    for (int i = 0; i < length; i++) {
      int value = valueOf(text.charAt(i));
      if (value < 0) {
        throw new IllegalArgumentException(
            "invalid base32 character '" + text.charAt(i) + "' at position " + i);
      }
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        out[index++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("base32 text has non-zero padding bits (not canonical)");
    }
    return out;
  }

  private static int valueOf(char c) {
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    if (c >= '2' && c <= '7') {
      return c - '2' + 26;
    }
    return -1;
  }
}
