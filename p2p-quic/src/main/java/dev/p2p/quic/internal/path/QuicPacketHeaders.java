package dev.p2p.quic.internal.path;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/** Reads just enough of a QUIC packet header (RFC 9000 §17) to route it. Never throws. */
public final class QuicPacketHeaders {
  /** Every connection id this provider issues has this length (quiche's maximum). */
  public static final int LOCAL_CONNECTION_ID_LENGTH = 20;

  private QuicPacketHeaders() {}

  /**
   * The destination connection id of the packet at {@code buf}'s reader index, copied into {@code
   * scratch} and returned as a view of it; null if the packet is too short to hold one.
   */
  public static ByteBuffer destinationConnectionId(ByteBuf buf, byte[] scratch) {
    int start = buf.readerIndex();
    int readable = buf.readableBytes();
    if (readable < 1) {
      return null;
    }
    byte first = buf.getByte(start);
    int offset;
    int length;
    if ((first & 0x80) != 0) {
      // Long header: flags, 4-byte version, DCID length, DCID.
      if (readable < 6) {
        return null;
      }
      length = buf.getUnsignedByte(start + 5);
      offset = 6;
    } else {
      length = LOCAL_CONNECTION_ID_LENGTH;
      offset = 1;
    }
    if (length > scratch.length || readable < offset + length) {
      return null;
    }
    buf.getBytes(start + offset, scratch, 0, length);
    return ByteBuffer.wrap(scratch, 0, length);
  }

  /** True for a short-header (1-RTT) packet, the only kind a stateless reset imitates. */
  public static boolean isShort(ByteBuf buf) {
    return buf.isReadable() && (buf.getByte(buf.readerIndex()) & 0x80) == 0;
  }

  /** True for a long-header Initial packet (the only kind that may open a connection). */
  public static boolean isInitial(ByteBuf buf) {
    if (!buf.isReadable()) {
      return false;
    }
    int first = buf.getUnsignedByte(buf.readerIndex());
    return (first & 0x80) != 0 && ((first >> 4) & 0x3) == 0;
  }
}
