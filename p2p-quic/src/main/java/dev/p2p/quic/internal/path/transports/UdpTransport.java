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
 * peer's real address, or the socket the route names (a birthday-probing winner, {@link
 * BirthdaySockets}), which is flushed at once: it has no pipeline flush of its own. A GSO batch
 * stays one send (see {@link OutboundDatagrams}).
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
    DatagramPacket out = OutboundDatagrams.readdressed(packet, packet.content(), direct.address());
    if (direct.via() == null) {
      ctx.write(out, promise);
      return;
    }
    // A promise belongs to its channel: the other socket's write completes the caller's as UDP
    // does.
    direct.via().writeAndFlush(out, direct.via().voidPromise());
    promise.trySuccess();
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    // The path layer flushes the socket itself.
  }
}
