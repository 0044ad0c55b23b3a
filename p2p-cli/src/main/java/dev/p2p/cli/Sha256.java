package dev.p2p.cli;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256, which every Java runtime has, and how both ends hash a sequence of lines. */
final class Sha256 {
  private Sha256() {}

  static MessageDigest create() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  /**
   * Adds one line, length first, so that the digest also covers where the lines break ("ab", "c"
   * and "a", "bc" differ).
   */
  static void updateLine(MessageDigest sha, byte[] buf, int offset, int length) {
    sha.update(ByteBuffer.allocate(4).putInt(length).array());
    sha.update(buf, offset, length);
  }
}
