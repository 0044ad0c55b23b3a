package dev.p2p.quic.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.nio.ByteBuffer;

/**
 * One UDP socket carries both the connections this provider accepted (server codec) and those it
 * dialled (client codec); Netty's codecs each drop packets they do not know. This handler sits in
 * front of the server codec and hands packets whose destination connection id is one of our dialled
 * connections straight to the client codec, further down the pipeline.
 */
final class QuicRoleDemultiplexer extends ChannelInboundHandlerAdapter {
  private final ClientConnectionIds clientIds;
  private final byte[] scratch = new byte[255];
  private ChannelHandlerContext clientEntry;

  QuicRoleDemultiplexer(ClientConnectionIds clientIds) {
    this.clientIds = clientIds;
  }

  /** The context right before the client codec: firing on it reaches the client codec. */
  void clientEntry(ChannelHandlerContext clientEntry) {
    this.clientEntry = clientEntry;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet && clientEntry != null) {
      ByteBuffer dcid = QuicPacketHeaders.destinationConnectionId(packet.content(), scratch);
      if (dcid != null && clientIds.path(dcid) != null) {
        clientEntry.fireChannelRead(msg);
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // The server codec does not pass this on; both codecs flush their batches here.
    ctx.fireChannelReadComplete();
    if (clientEntry != null) {
      clientEntry.fireChannelReadComplete();
    }
  }
}
