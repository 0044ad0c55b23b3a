package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;

/** Checks received messages against what a test sent. */
final class MessageAssertions {
  private MessageAssertions() {}

  /**
   * Asserts {@code received} is exactly messages 0..n-1 of {@code stream} with the given sizes, in
   * order: nothing lost, duplicated, reordered, invented or damaged.
   */
  static void assertStream(List<byte[]> received, int stream, List<Integer> sizes, String what) {
    int common = Math.min(received.size(), sizes.size());
    for (int seq = 0; seq < common; seq++) {
      byte[] message = received.get(seq);
      if (message.length != sizes.get(seq) || !Payloads.is(message, stream, seq)) {
        fail(
            what
                + ": message "
                + seq
                + " should be "
                + sizes.get(seq)
                + " bytes, stream "
                + stream
                + " seq "
                + seq
                + ", got "
                + Payloads.describe(message));
      }
    }
    if (received.size() != sizes.size()) {
      fail(what + ": expected " + sizes.size() + " messages, received " + received.size());
    }
  }

  /** Asserts {@code message} is message {@code seq} of {@code stream}. */
  static void assertMessage(byte[] message, int stream, int seq, String what) {
    if (!Payloads.is(message, stream, seq)) {
      fail(
          what
              + ": expected stream "
              + stream
              + " seq "
              + seq
              + ", got "
              + Payloads.describe(message));
    }
  }
}
