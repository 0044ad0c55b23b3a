package dev.p2p.relay.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;

/**
 * Answers STUN Binding requests on the relay's UDP port with the sender's address as seen here.
 * Anything else is counted and ignored: no reply to garbage, so the port cannot be used to reflect
 * traffic at a third party beyond one small answer per valid request.
 */
public final class StunHandler extends SimpleChannelInboundHandler<DatagramPacket> {
  private final RelayMetrics metrics;

  public StunHandler(RelayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    StunMessage m = StunCodec.decode(packet.content());
    if (m == null || !m.isBindingRequest()) {
      metrics.stun(false);
      return;
    }
    metrics.stun(true);
    var reply =
        m.unknown().isEmpty()
            ? StunCodec.bindingSuccess(ctx.alloc(), m, packet.sender())
            : StunCodec.unknownAttributes(ctx.alloc(), m);
    ctx.writeAndFlush(new DatagramPacket(reply, packet.sender()), ctx.voidPromise());
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A failed send (ICMP unreachable and the like) must not stop the STUN service.
  }
}
