package dev.p2p.tunnel.internal;

import java.util.Arrays;

/**
 * Joins the DATA fragments of one message. A message larger than the limit is refused as soon as
 * its fragments exceed it, so a peer cannot make this side buffer more. Event loop only.
 */
final class MessageAssembler {
  /** The fragments add up to more than the limit. */
  static final class TooLarge extends Exception {
    TooLarge() {
      super(null, null, false, false);
    }
  }

  private final int maxMessageSize;
  private byte[] partial;
  private int partialLength;

  MessageAssembler(int maxMessageSize) {
    this.maxMessageSize = maxMessageSize;
  }

  /** Adds a fragment; returns the whole message after its last fragment, else null. */
  byte[] add(DataFrame frame) throws TooLarge {
    int length = frame.payloadLength();
    if ((long) partialLength + length > maxMessageSize) {
      clear();
      throw new TooLarge();
    }
    if (partial == null && frame.last()) {
      byte[] message = new byte[length];
      frame.copyPayload(message, 0);
      return message;
    }
    if (partial == null) {
      partial = new byte[Math.max(length * 2, 1024)];
    } else if (partial.length < partialLength + length) {
      partial =
          Arrays.copyOf(
              partial,
              (int)
                  Math.min(maxMessageSize, Math.max(partial.length * 2L, partialLength + length)));
    }
    frame.copyPayload(partial, partialLength);
    partialLength += length;
    if (!frame.last()) {
      return null;
    }
    byte[] message =
        partial.length == partialLength ? partial : Arrays.copyOf(partial, partialLength);
    clear();
    return message;
  }

  /** Drops a message cut short (the server channel was lost). */
  void clear() {
    partial = null;
    partialLength = 0;
  }
}
