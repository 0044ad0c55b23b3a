package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;

/** One decoded relay frame; see {@link RelayFrameCodec} for the layouts. */
public sealed interface RelayFrame {
  /** Server → client, first frame: protocol version and a fresh random challenge. */
  record Challenge(int version, byte[] challenge) implements RelayFrame {}

  /** Client → server: the id, its signature of {@link RelayProtocol#loginMessage}, the token. */
  record Login(PeerKey peer, byte[] signature, String token) implements RelayFrame {}

  /**
   * Server → client: the login is accepted; the limits that apply to this session, and the UDP port
   * on the relay's address that answers STUN (0: none), so a client can learn its reflexive address
   * from the socket it will punch with.
   */
  record Welcome(
      int maxPacketSize,
      int pingIntervalMillis,
      int idleTimeoutMillis,
      int queuePackets,
      int stunPort)
      implements RelayFrame {}

  /** Server → client, last frame: why the session ends. */
  record Reason(CloseReason reason, String message) implements RelayFrame {}

  /**
   * A packet: to {@code peer} when a client sends it, from {@code peer} when the relay delivers it.
   * The payload is a retained slice the receiver must release.
   */
  record Packet(boolean outgoing, PeerKey peer, ByteBuf payload) implements RelayFrame {}

  /**
   * Packets to or from {@code peer} in one frame (protocol 2): {@code payload} holds them, each
   * {@code segmentSize} bytes but the last. The payload is a retained slice the receiver must
   * release.
   */
  record Batch(boolean outgoing, PeerKey peer, int segmentSize, ByteBuf payload)
      implements RelayFrame {}

  /** Server → client: {@code peer}, to which this client sent a packet, is not connected. */
  record PeerGone(PeerKey peer) implements RelayFrame {}

  /** Either way: a liveness probe, answered by a {@link Pong} with the same data. */
  record Ping(long data) implements RelayFrame {}

  record Pong(long data) implements RelayFrame {}
}
