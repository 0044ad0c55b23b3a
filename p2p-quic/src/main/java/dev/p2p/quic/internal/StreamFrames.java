package dev.p2p.quic.internal;

/**
 * The reliable stream's framing: a 4-byte big-endian header per frame. With the top bit clear the
 * header is the length of the message that follows; with it set, the low bits name a control frame
 * without payload.
 */
final class StreamFrames {
  static final int HEADER_LENGTH = 4;
  static final int CONTROL_BIT = 0x8000_0000;

  /** First frame of the dialler: it has verified the listener's key. */
  static final int HELLO = CONTROL_BIT | 1;

  /** The listener's answer: it has verified the dialler's key; the connection is up. */
  static final int HELLO_ACK = CONTROL_BIT | 2;

  /** Keeps an idle connection (and NAT mappings) alive. */
  static final int PING = CONTROL_BIT | 3;

  /**
   * Sent last by the side that closes: everything before it is to be delivered. The peer answers
   * {@link #CLOSE_ACK} once it has read up to here.
   */
  static final int CLOSE = CONTROL_BIT | 4;

  /**
   * The answer to {@link #CLOSE}: the peer read every frame before it, and its own last frames come
   * before this one. The closing side then ends the QUIC connection.
   */
  static final int CLOSE_ACK = CONTROL_BIT | 5;

  /**
   * A read receipt, followed by {@link #RECEIPT_LENGTH} bytes: how many messages and payload bytes
   * the sender of the receipt has read from this stream so far (two big-endian longs). It lets the
   * other side say how much was lost when a connection dies.
   */
  static final int RECEIPT = CONTROL_BIT | 6;

  static final int RECEIPT_LENGTH = 16;

  private StreamFrames() {}

  static boolean isControl(int header) {
    return (header & CONTROL_BIT) != 0;
  }
}
