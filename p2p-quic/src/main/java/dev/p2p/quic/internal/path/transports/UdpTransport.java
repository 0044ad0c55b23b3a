package dev.p2p.quic.internal.path.transports;

import dev.p2p.quic.internal.path.OutboundDatagrams;
import dev.p2p.quic.internal.path.PathTransport;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.path.Route;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;

/**
 * Direct UDP (iroh's {@code transports/ip}): the packet leaves the provider's own socket for the
 * peer's real address. A GSO batch stays one send (see {@link OutboundDatagrams}).
 */
public final class UdpTransport implements PathTransport {
  @Override
  public void send(
      ChannelHandlerContext ctx,
      DatagramPacket packet,
      Route route,
      PeerPath path,
      ChannelPromise promise) {
    Route.Direct direct = (Route.Direct) route;
    ctx.write(OutboundDatagrams.readdressed(packet, packet.content(), direct.address()), promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    // The path layer flushes the socket itself.
  }
}
