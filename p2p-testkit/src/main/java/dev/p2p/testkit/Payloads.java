package dev.p2p.testkit;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * Test messages whose content a receiver can check without any side channel: a message of at least
 * {@link #HEADER} bytes starts with its stream id, sequence number, length and the CRC-32 of the
 * rest, and the rest is pseudo-random bytes derived from those three numbers. A shorter message is
 * all derived bytes, so it can only be checked against a known (stream, seq, size).
 */
final class Payloads {
  /** Bytes of the header: stream, seq, length, crc32 of the body (four big-endian ints). */
  static final int HEADER = 16;

  private Payloads() {}

  /** The message number {@code seq} of stream {@code stream}, {@code size} bytes long. */
  static byte[] of(int stream, int seq, int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size " + size);
    }
    byte[] message = new byte[size];
    SplittableRandom content = new SplittableRandom(mix(stream, seq, size));
    if (size < HEADER) {
      content.nextBytes(message);
      return message;
    }
    byte[] body = new byte[size - HEADER];
    content.nextBytes(body);
    CRC32 crc = new CRC32();
    crc.update(body);
    ByteBuffer.wrap(message)
        .putInt(stream)
        .putInt(seq)
        .putInt(size)
        .putInt((int) crc.getValue())
        .put(body);
    return message;
  }

  /** The tag of an intact message with a header, or null if it is too short or damaged. */
  static Tag tag(byte[] message) {
    if (message == null || message.length < HEADER) {
      return null;
    }
    ByteBuffer header = ByteBuffer.wrap(message);
    int stream = header.getInt();
    int seq = header.getInt();
    int size = header.getInt();
    if (size != message.length) {
      return null;
    }
    // Regenerating is stricter than the CRC and still cheap for test-sized volumes.
    return Arrays.equals(message, of(stream, seq, size)) ? new Tag(stream, seq) : null;
  }

  /** True if {@code message} is exactly message {@code seq} of {@code stream} with its size. */
  static boolean is(byte[] message, int stream, int seq) {
    return message != null && Arrays.equals(message, of(stream, seq, message.length));
  }

  /** A short human-readable description for failure messages. */
  static String describe(byte[] message) {
    if (message == null) {
      return "null";
    }
    Tag tag = tag(message);
    if (tag != null) {
      return message.length + " bytes, stream " + tag.stream() + " seq " + tag.seq();
    }
    if (message.length >= HEADER) {
      ByteBuffer header = ByteBuffer.wrap(message);
      return message.length
          + " bytes, DAMAGED (header says stream "
          + header.getInt()
          + " seq "
          + header.getInt()
          + " length "
          + header.getInt()
          + ")";
    }
    return message.length + " bytes (no header)";
  }

  private static long mix(int stream, int seq, int size) {
    long h = ((long) stream << 32) ^ (seq & 0xffffffffL);
    h = h * 0x9E3779B97F4A7C15L + size;
    return h ^ (h >>> 29);
  }

  /** Identifies a message: which stream it belongs to and its position in it. */
  record Tag(int stream, int seq) {}
}
