package dev.p2p.quic.internal.path;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.transports.RelayTransport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

/**
 * What the relays deliver to the path layer: a peer's packets go up the socket's pipeline under the
 * peer's virtual address, as if the socket had read them (a new path for a QUIC Initial from a
 * source no path has), and a relay that lost the peer, or went away, is a relayed route lost.
 *
 * <p>Event-loop confined (the relays share the socket's loop).
 */
final class RelayInbound implements RelayTransport.Receiver {
  private final PathLayerHandler layer;
  private final PeerPaths paths;
  private final PathMonitor monitor;
  private long droppedUnknown;

  RelayInbound(PathLayerHandler layer, PeerPaths paths, PathMonitor monitor) {
    this.layer = layer;
    this.paths = paths;
    this.monitor = monitor;
  }

  @Override
  public void relayedPacket(URI relay, PeerId source, ByteBuf payload) {
    ChannelHandlerContext c = layer.socketContext();
    if (c == null || layer.inOutage()) {
      payload.release();
      return;
    }
    PeerPath path = paths.byRelaySource(source);
    if (path == null) {
      if (!QuicPacketHeaders.isInitial(payload) || paths.full()) {
        droppedUnknown++;
        payload.release();
        return;
      }
      path = paths.newClaimed(source);
    }
    path.addRelay(relay);
    path.lastActivityNanos = System.nanoTime();
    monitor.relayAnswered(path, relay);
    c.fireChannelRead(
        new DatagramPacket(
            payload, (InetSocketAddress) c.channel().localAddress(), path.virtualAddress));
  }

  @Override
  public void relayedReadComplete() {
    ChannelHandlerContext c = layer.socketContext();
    if (c != null) {
      c.fireChannelReadComplete();
    }
  }

  @Override
  public void relayLacksPeer(URI relay, PeerId peer) {
    PeerPath path = paths.byPeer(peer);
    if (path != null) {
      path.relayLacksPeer(relay);
      monitor.relayLost(path, relay, "the peer is no longer logged in to " + relay);
    }
  }

  @Override
  public void relayDown(URI relay) {
    for (PeerPath p : List.copyOf(paths.all())) {
      monitor.relayLost(p, relay, "the relay " + relay + " went away");
    }
  }

  /** Relayed packets dropped as belonging to no path. */
  long droppedUnknown() {
    return droppedUnknown;
  }
}
