package dev.p2p.relay.internal;

import static dev.p2p.relay.internal.RelayProtocol.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes relay frames (the body of one binary WebSocket message). Decoding never
 * throws anything but {@link RelayProtocolException} and never moves the input's indexes.
 */
public final class RelayFrameCodec {
  private RelayFrameCodec() {}

  /**
   * Decodes one whole frame.
   *
   * @param maxPacketSize the largest packet payload accepted
   * @throws RelayProtocolException if the bytes are not a valid frame
   */
  public static RelayFrame decode(ByteBuf in, int maxPacketSize) throws RelayProtocolException {
    int start = in.readerIndex();
    int len = in.readableBytes();
    if (len < 1) {
      throw protocol("empty frame");
    }
    byte type = in.getByte(start);
    int bodyStart = start + 1;
    int body = len - 1;
    switch (type) {
      case SERVER_CHALLENGE -> {
        exact(body, 1 + CHALLENGE_LENGTH, "challenge");
        return new RelayFrame.Challenge(
            in.getUnsignedByte(bodyStart),
            ByteBufUtil.getBytes(in, bodyStart + 1, CHALLENGE_LENGTH));
      }
      case CLIENT_LOGIN -> {
        int fixed = PeerKey.LENGTH + SIGNATURE_LENGTH;
        if (body < fixed || body > fixed + MAX_TOKEN_LENGTH) {
          throw protocol("login frame of " + len + " bytes");
        }
        return new RelayFrame.Login(
            PeerKey.read(in, bodyStart),
            ByteBufUtil.getBytes(in, bodyStart + PeerKey.LENGTH, SIGNATURE_LENGTH),
            in.toString(bodyStart + fixed, body - fixed, StandardCharsets.UTF_8));
      }
      case SERVER_WELCOME -> {
        // 16 bytes from relays without STUN (the first protocol), 18 with the STUN port.
        if (body != 16 && body != 18) {
          throw protocol("welcome frame of " + len + " bytes");
        }
        return new RelayFrame.Welcome(
            in.getInt(bodyStart),
            in.getInt(bodyStart + 4),
            in.getInt(bodyStart + 8),
            in.getInt(bodyStart + 12),
            body == 18 ? in.getUnsignedShort(bodyStart + 16) : 0);
      }
      case CLOSE_REASON -> {
        if (body < 1 || body > 1 + MAX_REASON_LENGTH) {
          throw protocol("close-reason frame of " + len + " bytes");
        }
        return new RelayFrame.Reason(
            CloseReason.fromCode(in.getUnsignedByte(bodyStart)),
            in.toString(bodyStart + 1, body - 1, StandardCharsets.UTF_8));
      }
      case SEND_PACKET, RECV_PACKET -> {
        if (body < PeerKey.LENGTH) {
          throw protocol("packet frame of " + len + " bytes has no peer key");
        }
        int payload = body - PeerKey.LENGTH;
        if (payload > maxPacketSize) {
          throw new RelayProtocolException(
              CloseReason.TOO_LARGE,
              "packet of " + payload + " bytes, the limit is " + maxPacketSize);
        }
        return new RelayFrame.Packet(
            type == SEND_PACKET,
            PeerKey.read(in, bodyStart),
            in.retainedSlice(start + PACKET_HEADER_LENGTH, payload));
      }
      case SEND_BATCH, RECV_BATCH -> {
        int payload = len - BATCH_HEADER_LENGTH;
        if (payload < 1) {
          throw protocol("batch frame of " + len + " bytes has no packets");
        }
        if (payload > maxPacketSize) {
          throw new RelayProtocolException(
              CloseReason.TOO_LARGE,
              "batch of " + payload + " bytes, the limit is " + maxPacketSize);
        }
        int segment = in.getUnsignedShort(start + PACKET_HEADER_LENGTH);
        if (segment == 0) {
          throw protocol("batch frame with a segment size of 0");
        }
        return new RelayFrame.Batch(
            type == SEND_BATCH,
            PeerKey.read(in, bodyStart),
            segment,
            in.retainedSlice(start + BATCH_HEADER_LENGTH, payload));
      }
      case PEER_GONE -> {
        exact(body, PeerKey.LENGTH, "peer-gone");
        return new RelayFrame.PeerGone(PeerKey.read(in, bodyStart));
      }
      case PING -> {
        exact(body, PING_DATA_LENGTH, "ping");
        return new RelayFrame.Ping(in.getLong(bodyStart));
      }
      case PONG -> {
        exact(body, PING_DATA_LENGTH, "pong");
        return new RelayFrame.Pong(in.getLong(bodyStart));
      }
      default -> throw protocol("unknown frame type 0x" + Integer.toHexString(type & 0xff));
    }
  }

  public static ByteBuf challenge(ByteBufAllocator alloc, byte[] challenge) {
    return alloc
        .buffer(2 + challenge.length)
        .writeByte(SERVER_CHALLENGE)
        .writeByte(VERSION)
        .writeBytes(challenge);
  }

  public static ByteBuf login(
      ByteBufAllocator alloc, PeerKey peer, byte[] signature, String token) {
    byte[] t = token.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = alloc.buffer(1 + PeerKey.LENGTH + signature.length + t.length);
    b.writeByte(CLIENT_LOGIN);
    peer.write(b);
    return b.writeBytes(signature).writeBytes(t);
  }

  /** The welcome; {@code stunPort} 0 when the relay answers no STUN (then 16 bytes, as before). */
  public static ByteBuf welcome(
      ByteBufAllocator alloc,
      int maxPacket,
      int pingMillis,
      int idleMillis,
      int queuePackets,
      int stunPort) {
    ByteBuf b =
        alloc
            .buffer(19)
            .writeByte(SERVER_WELCOME)
            .writeInt(maxPacket)
            .writeInt(pingMillis)
            .writeInt(idleMillis)
            .writeInt(queuePackets);
    return stunPort > 0 ? b.writeShort(stunPort) : b;
  }

  public static ByteBuf reason(ByteBufAllocator alloc, CloseReason reason, String message) {
    byte[] m = message.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(m.length, MAX_REASON_LENGTH);
    return alloc.buffer(2 + n).writeByte(CLOSE_REASON).writeByte(reason.code()).writeBytes(m, 0, n);
  }

  /** A packet frame; {@code outgoing} for client → server (peer = destination). */
  public static ByteBuf packet(
      ByteBufAllocator alloc, boolean outgoing, PeerKey peer, ByteBuf payload) {
    ByteBuf b = alloc.buffer(PACKET_HEADER_LENGTH + payload.readableBytes());
    b.writeByte(outgoing ? SEND_PACKET : RECV_PACKET);
    peer.write(b);
    return b.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
  }

  /**
   * The header of a packet frame alone, to be followed by the payload (e.g. in a composite buffer,
   * so the payload is copied once, by the WebSocket encoder, not twice).
   */
  public static ByteBuf packetHeader(ByteBufAllocator alloc, boolean outgoing, PeerKey peer) {
    ByteBuf b = alloc.buffer(PACKET_HEADER_LENGTH);
    b.writeByte(outgoing ? SEND_PACKET : RECV_PACKET);
    peer.write(b);
    return b;
  }

  /**
   * The header of a batch frame alone, to be followed by its packets (as {@link #packetHeader}).
   */
  public static ByteBuf batchHeader(
      ByteBufAllocator alloc, boolean outgoing, PeerKey peer, int segmentSize) {
    ByteBuf b = alloc.buffer(BATCH_HEADER_LENGTH);
    b.writeByte(outgoing ? SEND_BATCH : RECV_BATCH);
    peer.write(b);
    return b.writeShort(segmentSize);
  }

  public static ByteBuf peerGone(ByteBufAllocator alloc, PeerKey peer) {
    ByteBuf b = alloc.buffer(1 + PeerKey.LENGTH).writeByte(PEER_GONE);
    peer.write(b);
    return b;
  }

  public static ByteBuf ping(ByteBufAllocator alloc, long data) {
    return alloc.buffer(9).writeByte(PING).writeLong(data);
  }

  public static ByteBuf pong(ByteBufAllocator alloc, long data) {
    return alloc.buffer(9).writeByte(PONG).writeLong(data);
  }

  private static void exact(int body, int expected, String what) throws RelayProtocolException {
    if (body != expected) {
      throw protocol(what + " frame body of " + body + " bytes, expected " + expected);
    }
  }

  private static RelayProtocolException protocol(String message) {
    return new RelayProtocolException(CloseReason.PROTOCOL_ERROR, message);
  }
}
