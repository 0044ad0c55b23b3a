package dev.p2p.tunnel.internal;

import dev.p2p.api.PeerId;
import dev.p2p.tunnel.server.ConnectionType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes tunnel frames. Decoding never throws anything but {@link
 * TunnelProtocolException}, whatever the bytes.
 */
public final class TunnelFrameCodec {
  private TunnelFrameCodec() {}

  /**
   * Decodes one whole frame, length prefix included (as cut by {@link TunnelFrameDecoder}). Takes
   * ownership of {@code frame}: it is released, or kept by the returned {@link DataFrame}.
   */
  public static TunnelFrame decode(ByteBuf frame) {
    boolean keep = false;
    try {
      if (frame.readableBytes() < TunnelProtocol.HEADER_SIZE) {
        throw malformed("a frame needs at least " + TunnelProtocol.HEADER_SIZE + " bytes");
      }
      int start = frame.readerIndex();
      long length = frame.getUnsignedInt(start);
      if (length != frame.readableBytes() - 4L) {
        throw malformed("length prefix " + length + " does not match the frame");
      }
      int version = frame.getUnsignedByte(start + 4);
      if (version != TunnelProtocol.VERSION) {
        throw new TunnelProtocolException(
            ErrorCode.UNSUPPORTED_VERSION,
            "protocol version "
                + version
                + " is not supported; this side speaks version "
                + TunnelProtocol.VERSION);
      }
      int code = frame.getUnsignedByte(start + 5);
      FrameType type = FrameType.fromCode(code);
      if (type == null) {
        throw new TunnelProtocolException(
            ErrorCode.UNKNOWN_FRAME_TYPE, "unknown frame type 0x" + Integer.toHexString(code));
      }
      ByteBuf body = frame.slice(start + TunnelProtocol.HEADER_SIZE, (int) length - 2);
      TunnelFrame decoded = decodeBody(type, body, frame);
      if (body.isReadable() && type != FrameType.DATA) {
        throw malformed(type + " frame has " + body.readableBytes() + " trailing bytes");
      }
      keep = decoded instanceof DataFrame;
      return decoded;
    } finally {
      if (!keep) {
        frame.release();
      }
    }
  }

  private static TunnelFrame decodeBody(FrameType type, ByteBuf body, ByteBuf frame) {
    switch (type) {
      case REGISTER:
        return new TunnelFrame.Register(
            readPeer(body),
            readLong(body),
            readString(body),
            body.isReadable() ? readInt(body) : 0); // no features field: a client before them
      case CHALLENGE:
        return new TunnelFrame.Challenge(readBytes(body, TunnelProtocol.NONCE_SIZE));
      case CHALLENGE_RESPONSE:
        return new TunnelFrame.ChallengeResponse(readBytes(body, TunnelProtocol.SIGNATURE_SIZE));
      case REGISTERED:
        return new TunnelFrame.Registered(readInt(body), readInt(body));
      case CONNECT_REQUEST:
        return new TunnelFrame.ConnectRequest(
            readInt(body),
            readLong(body),
            readPeer(body),
            readConnectionType(body),
            readInt(body),
            readInt(body),
            readLong(body),
            readFlag(body));
      case CONNECT_ACCEPTED:
        return new TunnelFrame.ConnectAccepted(
            readInt(body), readLong(body), readPeer(body), readLong(body));
      case FAILED_CONNECT:
        return new TunnelFrame.FailedConnect(
            readInt(body),
            readLong(body),
            readPeer(body),
            FailReason.fromCode(readUnsignedByte(body)),
            readString(body));
      case DATA:
        {
          long connectionId = readLong(body);
          int channel = readInt(body);
          long messageNumber = readLong(body);
          int flags = readUnsignedByte(body);
          return new DataFrame(
              frame, connectionId, channel, messageNumber, (flags & TunnelProtocol.FLAG_LAST) != 0);
        }
      case CONNECTION_END:
        return new TunnelFrame.ConnectionEnd(readLong(body), readString(body));
      case WINDOW_UPDATE:
        {
          long connectionId = readLong(body);
          int increment = readInt(body);
          if (increment <= 0) {
            throw malformed("a window increment must be positive, got " + increment);
          }
          // An optional flags byte, only when the grant does not acknowledge.
          int flags = body.isReadable() ? readUnsignedByte(body) : 0;
          if ((flags & ~TunnelProtocol.FLAG_CREDIT_ONLY) != 0) {
            throw malformed("unknown WINDOW_UPDATE flags 0x" + Integer.toHexString(flags));
          }
          return new TunnelFrame.WindowUpdate(
              connectionId, increment, (flags & TunnelProtocol.FLAG_CREDIT_ONLY) == 0);
        }
      case END_ACK:
        return new TunnelFrame.EndAck(readLong(body));
      case RESET:
        return new TunnelFrame.Reset(readLong(body), readString(body));
      case PING:
        return new TunnelFrame.Ping(readLong(body));
      case PONG:
        return new TunnelFrame.Pong(readLong(body));
      case ERROR:
        return new TunnelFrame.Error(ErrorCode.fromCode(readUnsignedByte(body)), readString(body));
      default:
        throw new TunnelProtocolException(ErrorCode.UNKNOWN_FRAME_TYPE, "unhandled " + type);
    }
  }

  /** Encodes a control frame (anything but DATA) with its length prefix. */
  public static ByteBuf encode(ByteBufAllocator alloc, TunnelFrame frame) {
    ByteBuf out = alloc.buffer(128);
    out.writeInt(0).writeByte(TunnelProtocol.VERSION).writeByte(frame.type().code());
    if (frame instanceof TunnelFrame.Register f) {
      out.writeBytes(f.peer().toBytes()).writeLong(f.appId());
      writeString(out, f.token());
      if (f.features() != 0) {
        out.writeInt(f.features());
      }
    } else if (frame instanceof TunnelFrame.Challenge f) {
      out.writeBytes(f.nonce());
    } else if (frame instanceof TunnelFrame.ChallengeResponse f) {
      out.writeBytes(f.signature());
    } else if (frame instanceof TunnelFrame.Registered f) {
      out.writeInt(f.maxFrameSize()).writeInt(f.idleTimeoutMillis());
    } else if (frame instanceof TunnelFrame.ConnectRequest f) {
      out.writeInt(f.requestId()).writeLong(f.connectionId()).writeBytes(f.peer().toBytes());
      out.writeByte(f.connectionType().code()).writeInt(f.virtualPort()).writeInt(f.channel());
      out.writeLong(f.nextMessageNumber()).writeByte(f.resume() ? 1 : 0);
    } else if (frame instanceof TunnelFrame.ConnectAccepted f) {
      out.writeInt(f.requestId()).writeLong(f.connectionId()).writeBytes(f.peer().toBytes());
      out.writeLong(f.nextMessageNumber());
    } else if (frame instanceof TunnelFrame.FailedConnect f) {
      out.writeInt(f.requestId()).writeLong(f.connectionId()).writeBytes(f.peer().toBytes());
      out.writeByte(f.reason().code());
      writeString(out, f.message());
    } else if (frame instanceof TunnelFrame.ConnectionEnd f) {
      out.writeLong(f.connectionId());
      writeString(out, f.reason());
    } else if (frame instanceof TunnelFrame.WindowUpdate f) {
      out.writeLong(f.connectionId()).writeInt(f.increment());
      if (!f.acknowledges()) {
        out.writeByte(TunnelProtocol.FLAG_CREDIT_ONLY);
      }
    } else if (frame instanceof TunnelFrame.EndAck f) {
      out.writeLong(f.connectionId());
    } else if (frame instanceof TunnelFrame.Reset f) {
      out.writeLong(f.connectionId());
      writeString(out, f.reason());
    } else if (frame instanceof TunnelFrame.Ping f) {
      out.writeLong(f.token());
    } else if (frame instanceof TunnelFrame.Pong f) {
      out.writeLong(f.token());
    } else if (frame instanceof TunnelFrame.Error f) {
      out.writeByte(f.code().code());
      writeString(out, f.message());
    } else {
      out.release();
      throw new IllegalArgumentException("use encodeData for " + frame);
    }
    out.setInt(0, out.readableBytes() - 4);
    return out;
  }

  /**
   * Encodes one DATA frame carrying {@code length} bytes of {@code payload} from {@code offset}.
   */
  public static ByteBuf encodeData(
      ByteBufAllocator alloc,
      long connectionId,
      int channel,
      long messageNumber,
      boolean last,
      byte[] payload,
      int offset,
      int length) {
    ByteBuf out = alloc.directBuffer(TunnelProtocol.DATA_HEADER_SIZE + length);
    writeData(out, connectionId, channel, messageNumber, last, payload, offset, length);
    return out;
  }

  /** Appends one DATA frame to {@code out}, as {@link #encodeData} encodes it. */
  public static void writeData(
      ByteBuf out,
      long connectionId,
      int channel,
      long messageNumber,
      boolean last,
      byte[] payload,
      int offset,
      int length) {
    out.writeInt(TunnelProtocol.DATA_HEADER_SIZE - 4 + length)
        .writeByte(TunnelProtocol.VERSION)
        .writeByte(FrameType.DATA.code())
        .writeLong(connectionId)
        .writeInt(channel)
        .writeLong(messageNumber)
        .writeByte(last ? TunnelProtocol.FLAG_LAST : 0)
        .writeBytes(payload, offset, length);
  }

  /** A frame carrying an unsupported version, for tests of the other side's reaction. */
  static ByteBuf encodeRaw(ByteBufAllocator alloc, int version, int type, byte[] body) {
    ByteBuf out = alloc.buffer(TunnelProtocol.HEADER_SIZE + body.length);
    out.writeInt(2 + body.length).writeByte(version).writeByte(type).writeBytes(body);
    return out;
  }

  private static TunnelProtocolException malformed(String message) {
    return new TunnelProtocolException(ErrorCode.MALFORMED_FRAME, message);
  }

  private static void need(ByteBuf body, int bytes) {
    if (body.readableBytes() < bytes) {
      throw malformed("frame body ends early: need " + bytes + " more bytes");
    }
  }

  private static long readLong(ByteBuf body) {
    need(body, 8);
    return body.readLong();
  }

  private static int readInt(ByteBuf body) {
    need(body, 4);
    return body.readInt();
  }

  private static int readUnsignedByte(ByteBuf body) {
    need(body, 1);
    return body.readUnsignedByte();
  }

  private static boolean readFlag(ByteBuf body) {
    int flag = readUnsignedByte(body);
    if (flag > 1) {
      throw malformed("a flag must be 0 or 1, got " + flag);
    }
    return flag == 1;
  }

  private static byte[] readBytes(ByteBuf body, int n) {
    need(body, n);
    byte[] out = new byte[n];
    body.readBytes(out);
    return out;
  }

  private static PeerId readPeer(ByteBuf body) {
    return PeerId.fromPublicKey(readBytes(body, PeerId.KEY_LENGTH));
  }

  private static ConnectionType readConnectionType(ByteBuf body) {
    int code = readUnsignedByte(body);
    try {
      return ConnectionType.fromCode(code);
    } catch (IllegalArgumentException e) {
      throw malformed("unknown connection type " + code);
    }
  }

  private static String readString(ByteBuf body) {
    need(body, 2);
    int length = body.readUnsignedShort();
    if (length > TunnelProtocol.MAX_STRING_BYTES) {
      throw malformed("string of " + length + " bytes exceeds " + TunnelProtocol.MAX_STRING_BYTES);
    }
    return new String(readBytes(body, length), StandardCharsets.UTF_8);
  }

  private static void writeString(ByteBuf out, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(bytes.length, TunnelProtocol.MAX_STRING_BYTES);
    out.writeShort(length).writeBytes(bytes, 0, length);
  }
}
