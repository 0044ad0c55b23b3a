package dev.p2p.quic.internal.path;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One UDP socket carries both the connections this provider accepted (server codec) and those it
 * dialled (client codec); Netty's codecs each drop packets they do not know. This handler sits in
 * front of the server codec and hands packets whose destination connection id is one of our dialled
 * connections straight to the client codec, further down the pipeline.
 */
public final class QuicRoleDemultiplexer extends ChannelInboundHandlerAdapter {
  private final ClientConnectionIds clientIds;
  private final PathLayerHandler pathLayer;
  private final byte[] scratch = new byte[255];
  private ChannelHandlerContext clientEntry;

  public QuicRoleDemultiplexer(ClientConnectionIds clientIds, PathLayerHandler pathLayer) {
    this.clientIds = clientIds;
    this.pathLayer = pathLayer;
  }

  /** The context right before the client codec: firing on it reaches the client codec. */
  public void clientEntry(ChannelHandlerContext clientEntry) {
    this.clientEntry = clientEntry;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket packet && clientEntry != null) {
      ByteBuffer dcid = QuicPacketHeaders.destinationConnectionId(packet.content(), scratch);
      // Only a provider that dialled has client ids: a listener's packets skip the lookup.
      if (dcid != null && !clientIds.isEmpty() && clientIds.path(dcid) != null) {
        clientEntry.fireChannelRead(msg);
        return;
      }
      if (dcid != null && !clientIds.isEmpty()) {
        if (QuicPacketHeaders.isInitial(packet.content())) {
          PeerPath path = pathLayer.pathOf(packet.sender());
          if (path != null) {
            path.initialSeen(); // the peer dials our server codec
          }
        } else if (maybeStatelessReset(packet)) {
          return;
        }
      }
    }
    if (msg instanceof DatagramPacket packet && QuicPacketHeaders.isInitial(packet.content())) {
      // An Initial may open a connection: its first id then names this path (ServerConnectionIds).
      ServerConnectionIds ids = pathLayer.serverConnectionIds();
      ids.delivering(pathLayer.pathOf(packet.sender()));
      try {
        ctx.fireChannelRead(msg);
      } finally {
        ids.delivering(null);
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * A short-header packet for an id that is not ours, from a peer we dialled and that has no
   * connection to our server codec, can only be a stateless reset (its id is random by design):
   * hand it to each of our connections to that peer under that connection's id, so QUIC can check
   * the token and end the connection at once. Returns true if the packet was taken.
   */
  private boolean maybeStatelessReset(DatagramPacket packet) {
    ByteBuf content = packet.content();
    if (!QuicPacketHeaders.isShort(content)
        || content.readableBytes() < StatelessResets.MIN_PACKET) {
      return false;
    }
    PeerPath path = pathLayer.pathOf(packet.sender());
    if (path == null || path.accepted.get() > 0 || path.serverHandshakeRecent()) {
      return false;
    }
    List<byte[]> ids = clientIds.idsOf(path);
    if (ids.isEmpty()) {
      return false;
    }
    path.resetCandidate();
    org.slf4j.LoggerFactory.getLogger(QuicRoleDemultiplexer.class)
        .debug(
            "possible stateless reset from {} for {} connection(s)", packet.sender(), ids.size());
    for (byte[] id : ids) {
      ByteBuf copy = content.copy();
      copy.setBytes(copy.readerIndex() + 1, id);
      clientEntry.fireChannelRead(new DatagramPacket(copy, packet.recipient(), packet.sender()));
    }
    packet.release();
    return true;
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
