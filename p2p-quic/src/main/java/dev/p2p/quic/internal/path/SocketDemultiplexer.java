package dev.p2p.quic.internal.path;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which path a datagram read from the provider's socket belongs to, in this order: a traversal
 * probe or STUN answer (consumed here), a sender a path has learnt, a destination connection id of
 * one of our connections from an address its path never learnt (a NAT rebinding, or a replay:
 * {@link NatRebinding} judges the address), a QUIC Initial (a new path), else a packet of a
 * connection we do not know, answered with a stateless reset (rate-limited) and dropped.
 *
 * <p>Event-loop confined, as the {@link PathLayerHandler} it works for.
 */
final class SocketDemultiplexer {
  private static final Logger log = LoggerFactory.getLogger(SocketDemultiplexer.class);

  /** Stateless resets answered per second at most, so a flood of junk cannot make us a cannon. */
  private static final int RESETS_PER_SECOND = 64;

  private final PeerPaths paths;
  private final PathTraversal traversal;
  private final ClientConnectionIds clientIds;
  private final ServerConnectionIds serverIds;
  private final NatRebinding rebinding;
  private final StatelessResets resets;
  private final byte[] scratch = new byte[255];

  /**
   * The clock of the current socket read batch (0: not read yet): one {@code System.nanoTime()} per
   * batch instead of one per packet (a GRO read brings ~44 packets, a batch up to 64 reads; the
   * per-packet clock was ~2 % of the receiving loop on a 1,500-MTU link). Path timestamps only feed
   * liveness and idle timers of seconds; a batch lasts milliseconds.
   */
  private long batchNanos;

  /**
   * Packets stamped with {@link #batchNanos}; it is read afresh after {@link #PACKETS_PER_CLOCK}.
   */
  private int packetsOnClock;

  /**
   * A bound on the clock's age should a batch ever not end with a read-complete (it always does in
   * Netty's datagram read loop): at ~2 µs a packet, well under a millisecond.
   */
  static final int PACKETS_PER_CLOCK = 256;

  private long resetWindowStart;
  private int resetsInWindow;
  private long resetsSent;
  private long droppedUnknown;

  SocketDemultiplexer(
      PeerPaths paths,
      PathTraversal traversal,
      ClientConnectionIds clientIds,
      ServerConnectionIds serverIds,
      NatRebinding rebinding,
      StatelessResets resets) {
    this.paths = paths;
    this.traversal = traversal;
    this.clientIds = clientIds;
    this.serverIds = serverIds;
    this.rebinding = rebinding;
    this.resets = resets;
  }

  /**
   * Fires {@code packet} up {@code ctx} under its peer's virtual address, or consumes it (a probe,
   * STUN) or drops it (an unknown connection's).
   */
  void read(ChannelHandlerContext ctx, DatagramPacket packet) {
    InetSocketAddress sender = packet.sender();
    PeerPath path = paths.byReal(sender);
    ByteBuf content = packet.content();
    if (traversal.onDatagram(ctx, content, sender)) {
      packet.release();
      return;
    }
    if (path == null) {
      ByteBuffer dcid = QuicPacketHeaders.destinationConnectionId(content, scratch);
      PeerPath owner = dcid == null ? null : connectionOwner(dcid);
      if (owner != null) {
        // One of our connections from an address its path never learnt: the peer's NAT rebound
        // (or someone replays a captured packet). QUIC judges the packet; the address has to
        // answer a probe before anything is sent there.
        rebinding.packetFrom(owner, sender, System.nanoTime());
        ctx.fireChannelRead(new DatagramPacket(content, packet.recipient(), owner.virtualAddress));
        return;
      }
      if (QuicPacketHeaders.isInitial(content) && !paths.full()) {
        path = paths.newPath(List.of(sender));
        paths.learnReal(sender, path);
      } else {
        if (dcid != null && QuicPacketHeaders.isShort(content)) {
          answerWithReset(ctx, content.readableBytes(), sender);
        }
        droppedUnknown++;
        log.debug("dropped a packet from unknown sender {}", sender);
        packet.release();
        return;
      }
    }
    long now = batchClock();
    if (path.lastDirectNanos != now) {
      // Once per path and batch: lastActivityNanos is volatile (read by the liveness check).
      path.lastActivityNanos = now;
      path.lastDirectNanos = now;
    }
    if (path.current() == null) {
      // The first route to answer becomes the path.
      path.select(new Route.Direct(sender), "the peer answered at " + sender, false);
    }
    ctx.fireChannelRead(new DatagramPacket(content, packet.recipient(), path.virtualAddress));
  }

  private long batchClock() {
    if (batchNanos == 0 || ++packetsOnClock >= PACKETS_PER_CLOCK) {
      batchNanos = System.nanoTime() | 1; // never 0, the "unread" mark
      packetsOnClock = 0;
    }
    return batchNanos;
  }

  /** The socket's read batch ended: the next packet reads the clock again. */
  void batchEnded() {
    batchNanos = 0;
  }

  /** The path of the dialled or accepted connection with this destination id, or null. */
  private PeerPath connectionOwner(ByteBuffer dcid) {
    PeerPath p = clientIds.path(dcid);
    return p != null ? p : serverIds.path(dcid);
  }

  /**
   * A packet of a connection we do not know (we restarted, or forgot it): answer with a stateless
   * reset, so the peer's connection fails now instead of at its idle timeout.
   */
  private void answerWithReset(ChannelHandlerContext ctx, int length, InetSocketAddress to) {
    long now = System.nanoTime();
    if (now - resetWindowStart > TimeUnit.SECONDS.toNanos(1)) {
      resetWindowStart = now;
      resetsInWindow = 0;
    }
    if (resetsInWindow >= RESETS_PER_SECOND) {
      return;
    }
    ByteBuf reset = resets.resetFor(ctx.alloc(), length);
    log.debug("unknown connection from {}: {}", to, reset == null ? "too short to reset" : "reset");
    if (reset != null) {
      resetsInWindow++;
      resetsSent++;
      ctx.writeAndFlush(new DatagramPacket(reset, to), ctx.voidPromise());
    }
  }

  long resetsSent() {
    return resetsSent;
  }

  /** Packets from the socket dropped as belonging to no path. */
  long droppedUnknown() {
    return droppedUnknown;
  }
}
