package dev.p2p.quic.internal;

/**
 * An UNRELIABLE message travels as one QUIC DATAGRAM frame: a 4-byte sequence number, then the
 * message. The sequence lets the receiver count datagrams that never arrived, including those a
 * full send queue dropped while their write futures reported success.
 */
final class DatagramFrames {
  static final int HEADER_LENGTH = 4;

  private DatagramFrames() {}
}
