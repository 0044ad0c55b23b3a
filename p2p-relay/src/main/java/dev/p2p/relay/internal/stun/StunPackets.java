package dev.p2p.relay.internal.stun;

import dev.p2p.relay.internal.StunCodec;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The two things a client needs beyond {@link StunCodec}, which decodes and answers on the server
 * side: telling STUN apart from other traffic on a shared socket, and writing a Binding request.
 */
public final class StunPackets {
  /** A Binding request: 20-byte header plus FINGERPRINT. */
  public static final int BINDING_REQUEST_LENGTH = StunCodec.HEADER_LENGTH + 8;

  private static final int FINGERPRINT_XOR = 0x5354554e;

  private StunPackets() {}

  /**
   * Whether a datagram may be STUN by RFC 9443's first-byte rule (0..3; QUIC long and short headers
   * set bit 0x40, DTLS uses 20..63), so a socket can carry STUN beside QUIC. Only a hint: the
   * datagram must still decode and match a transaction.
   */
  public static boolean mayBeStun(ByteBuffer datagram) {
    return datagram.remaining() >= StunCodec.HEADER_LENGTH
        && (datagram.get(datagram.position()) & 0xFF) <= 3;
  }

  /**
   * An RFC 8489 Binding request with {@code transactionId} (12 bytes) and a FINGERPRINT, which lets
   * the receiver of a shared socket recognise STUN with certainty.
   */
  public static byte[] bindingRequest(byte[] transactionId) {
    if (transactionId.length != 12) {
      throw new IllegalArgumentException(
          "a STUN transaction id is 12 bytes, got " + transactionId.length);
    }
    ByteBuffer b = ByteBuffer.allocate(BINDING_REQUEST_LENGTH);
    b.putShort((short) 0x0001)
        .putShort((short) 8)
        .putInt(StunCodec.MAGIC_COOKIE)
        .put(transactionId);
    CRC32 crc = new CRC32();
    crc.update(b.array(), 0, StunCodec.HEADER_LENGTH);
    b.putShort((short) StunCodec.FINGERPRINT).putShort((short) 4);
    b.putInt((int) crc.getValue() ^ FINGERPRINT_XOR);
    return b.array();
  }
}
