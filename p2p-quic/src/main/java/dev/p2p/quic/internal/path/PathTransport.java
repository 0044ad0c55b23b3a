package dev.p2p.quic.internal.path;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * One way of carrying QUIC packets to a peer under the path layer: direct UDP, or a relay. The path
 * layer picks a {@link Route} per packet and hands the packet to the route's transport; QUIC never
 * learns which one it was. Implementations run on the UDP channel's event loop and must never block
 * it.
 */
public interface PathTransport {
  /**
   * Sends {@code packet} (a QUIC packet or a GSO batch of them, addressed to the peer's virtual
   * address) along {@code route} to {@code path}'s peer. Takes ownership of the packet and
   * completes {@code promise} (a drop, like UDP's, completes it successfully: QUIC sees a loss).
   */
  void send(
      ChannelHandlerContext ctx,
      DatagramPacket packet,
      Route route,
      PeerPath path,
      ChannelPromise promise);

  /** Pushes out what {@link #send} queued. */
  void flush(ChannelHandlerContext ctx);
}
