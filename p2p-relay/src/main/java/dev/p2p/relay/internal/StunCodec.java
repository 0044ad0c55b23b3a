package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * STUN Binding (RFC 8489) for reflexive address discovery: decodes requests (never throwing; bad
 * input gives {@code null}), encodes success responses with XOR-MAPPED-ADDRESS and FINGERPRINT, and
 * 420 errors listing unknown comprehension-required attributes. Requests without the magic cookie
 * (RFC 3489 clients) get MAPPED-ADDRESS instead, as RFC 8489 section 12 allows.
 */
public final class StunCodec {
  public static final int MAGIC_COOKIE = 0x2112A442;
  public static final int HEADER_LENGTH = 20;

  public static final int MAPPED_ADDRESS = 0x0001;
  public static final int CHANGE_REQUEST = 0x0003;
  public static final int USERNAME = 0x0006;
  public static final int MESSAGE_INTEGRITY = 0x0008;
  public static final int ERROR_CODE = 0x0009;
  public static final int UNKNOWN_ATTRIBUTES = 0x000A;
  public static final int REALM = 0x0014;
  public static final int NONCE = 0x0015;
  public static final int MESSAGE_INTEGRITY_SHA256 = 0x001C;
  public static final int PASSWORD_ALGORITHM = 0x001D;
  public static final int USERHASH = 0x001E;
  public static final int XOR_MAPPED_ADDRESS = 0x0020;
  public static final int FINGERPRINT = 0x8028;
  private static final int FINGERPRINT_XOR = 0x5354554e;

  private StunCodec() {}

  /** Decodes one datagram; {@code null} if it is not a well-formed STUN message. */
  public static StunMessage decode(ByteBuf in) {
    int start = in.readerIndex();
    int len = in.readableBytes();
    if (len < HEADER_LENGTH) {
      return null;
    }
    int type = in.getUnsignedShort(start);
    int bodyLength = in.getUnsignedShort(start + 2);
    if ((type & 0xC000) != 0 || (bodyLength & 3) != 0 || bodyLength != len - HEADER_LENGTH) {
      return null;
    }
    boolean classic = in.getInt(start + 4) != MAGIC_COOKIE;
    byte[] tid = new byte[classic ? 16 : 12];
    in.getBytes(start + (classic ? 4 : 8), tid);
    List<Integer> unknown = new ArrayList<>(0);
    int pos = start + HEADER_LENGTH;
    int end = start + len;
    while (pos < end) {
      if (end - pos < 4) {
        return null;
      }
      int attr = in.getUnsignedShort(pos);
      int attrLength = in.getUnsignedShort(pos + 2);
      int padded = (attrLength + 3) & ~3;
      if (padded > end - pos - 4) {
        return null;
      }
      if (attr == FINGERPRINT) {
        // Must be last, and must match the CRC-32 of everything before it.
        if (attrLength != 4 || pos + 8 != end || !fingerprintMatches(in, start, pos)) {
          return null;
        }
      } else if (attr < 0x8000 && !understood(attr, in, pos + 4, attrLength)) {
        if (unknown.size() < 16) {
          unknown.add(attr);
        }
      }
      pos += 4 + padded;
    }
    int messageClass = ((type >> 4) & 1) | ((type >> 7) & 2);
    int method = (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
    return new StunMessage(method, messageClass, tid, classic, List.copyOf(unknown));
  }

  /**
   * Whether a comprehension-required attribute is fine to ignore for an unauthenticated Binding:
   * credentials are ignored (this server has none), and a CHANGE-REQUEST is understood only when it
   * asks for no change, since this server has one address.
   */
  private static boolean understood(int attr, ByteBuf in, int value, int length) {
    return switch (attr) {
      case MAPPED_ADDRESS,
          USERNAME,
          MESSAGE_INTEGRITY,
          ERROR_CODE,
          UNKNOWN_ATTRIBUTES,
          REALM,
          NONCE,
          MESSAGE_INTEGRITY_SHA256,
          PASSWORD_ALGORITHM,
          USERHASH,
          XOR_MAPPED_ADDRESS ->
          true;
      case CHANGE_REQUEST -> length == 4 && (in.getInt(value) & 0x6) == 0;
      default -> false;
    };
  }

  private static boolean fingerprintMatches(ByteBuf in, int start, int fingerprintAt) {
    CRC32 crc = new CRC32();
    crc.update(in.nioBuffer(start, fingerprintAt - start));
    return ((int) crc.getValue() ^ FINGERPRINT_XOR) == in.getInt(fingerprintAt + 4);
  }

  /** The Binding success response telling {@code request}'s sender its address {@code mapped}. */
  public static ByteBuf bindingSuccess(
      ByteBufAllocator alloc, StunMessage request, InetSocketAddress mapped) {
    ByteBuf out = alloc.buffer(HEADER_LENGTH + 32 + 8);
    header(out, 0x0101, request);
    InetAddress ip = mapped.getAddress();
    byte[] addr = ip.getAddress();
    int family = ip instanceof Inet4Address ? 0x01 : 0x02;
    out.writeShort(request.classic() ? MAPPED_ADDRESS : XOR_MAPPED_ADDRESS);
    out.writeShort(4 + addr.length);
    out.writeByte(0).writeByte(family);
    if (request.classic()) {
      out.writeShort(mapped.getPort()).writeBytes(addr);
    } else {
      out.writeShort(mapped.getPort() ^ (MAGIC_COOKIE >>> 16));
      byte[] mask = xorMask(request.transactionId());
      for (int i = 0; i < addr.length; i++) {
        out.writeByte(addr[i] ^ mask[i]);
      }
    }
    return finish(out, request);
  }

  /** A 420 (Unknown Attribute) error response listing the attributes not understood. */
  public static ByteBuf unknownAttributes(ByteBufAllocator alloc, StunMessage request) {
    ByteBuf out = alloc.buffer(HEADER_LENGTH + 64);
    header(out, 0x0111, request);
    byte[] reason = "Unknown Attribute".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeShort(ERROR_CODE).writeShort(4 + reason.length);
    out.writeShort(0).writeByte(4).writeByte(20).writeBytes(reason);
    pad(out, reason.length);
    List<Integer> unknown = new java.util.ArrayList<>(request.unknown());
    if (request.classic() && unknown.size() % 2 == 1) {
      unknown.add(unknown.get(unknown.size() - 1)); // RFC 3489 pads by repeating, not with zeros
    }
    out.writeShort(UNKNOWN_ATTRIBUTES).writeShort(2 * unknown.size());
    unknown.forEach(out::writeShort);
    pad(out, 2 * unknown.size());
    return finish(out, request);
  }

  private static void header(ByteBuf out, int type, StunMessage request) {
    out.writeShort(type).writeShort(0); // length patched in finish
    if (!request.classic()) {
      out.writeInt(MAGIC_COOKIE);
    }
    out.writeBytes(request.transactionId());
  }

  /** Patches the length and, for RFC 8489 requests, appends FINGERPRINT. */
  private static ByteBuf finish(ByteBuf out, StunMessage request) {
    int start = out.readerIndex();
    if (request.classic()) {
      out.setShort(start + 2, out.readableBytes() - HEADER_LENGTH);
      return out;
    }
    out.setShort(start + 2, out.readableBytes() - HEADER_LENGTH + 8);
    CRC32 crc = new CRC32();
    crc.update(out.nioBuffer(start, out.readableBytes()));
    out.writeShort(FINGERPRINT).writeShort(4).writeInt((int) crc.getValue() ^ FINGERPRINT_XOR);
    return out;
  }

  private static void pad(ByteBuf out, int length) {
    out.writeZero((4 - (length & 3)) & 3);
  }

  private static byte[] xorMask(byte[] transactionId) {
    byte[] mask = new byte[16];
    mask[0] = 0x21;
    mask[1] = 0x12;
    mask[2] = (byte) 0xA4;
    mask[3] = 0x42;
    System.arraycopy(transactionId, 0, mask, 4, 12);
    return mask;
  }

  /** Reads an XOR-MAPPED-ADDRESS or MAPPED-ADDRESS from a response; for clients and tests. */
  public static InetSocketAddress mappedAddress(ByteBuf response) {
    int start = response.readerIndex();
    if (response.readableBytes() < HEADER_LENGTH) {
      return null;
    }
    boolean classic = response.getInt(start + 4) != MAGIC_COOKIE;
    byte[] tid = new byte[12];
    response.getBytes(start + 8, tid);
    int pos = start + HEADER_LENGTH;
    int end = start + response.readableBytes();
    while (end - pos >= 4) {
      int attr = response.getUnsignedShort(pos);
      int length = response.getUnsignedShort(pos + 2);
      if (pos + 4 + length > end) {
        return null;
      }
      if ((attr == XOR_MAPPED_ADDRESS || attr == MAPPED_ADDRESS) && length >= 8) {
        boolean xor = attr == XOR_MAPPED_ADDRESS;
        int family = response.getUnsignedByte(pos + 5);
        int port = response.getUnsignedShort(pos + 6) ^ (xor ? MAGIC_COOKIE >>> 16 : 0);
        byte[] addr = new byte[family == 1 ? 4 : 16];
        if (length < 4 + addr.length) {
          return null;
        }
        response.getBytes(pos + 8, addr);
        if (xor && !classic) {
          byte[] mask = xorMask(tid);
          for (int i = 0; i < addr.length; i++) {
            addr[i] ^= mask[i];
          }
        }
        try {
          return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (java.net.UnknownHostException e) {
          return null;
        }
      }
      pos += 4 + ((length + 3) & ~3);
    }
    return null;
  }
}
