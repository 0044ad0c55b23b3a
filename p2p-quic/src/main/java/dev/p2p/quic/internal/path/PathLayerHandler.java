package dev.p2p.quic.internal.path;

import dev.p2p.api.PeerId;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path layer between the UDP socket and the QUIC codecs. QUIC sees each remote peer at one
 * stable virtual address for the whole life of its connections; this handler maps that address, per
 * packet, to the real path chosen for the peer now (one of its direct addresses today; a relay
 * later). Inbound packets get the virtual address of their peer as sender.
 *
 * <p>Virtual addresses come from 240.0.0.0/4, which is reserved and never used on the wire.
 * Event-loop confined, except {@link PeerPath#select}, which is safe from any thread.
 */
public final class PathLayerHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(PathLayerHandler.class);

  /** Bounds what unknown senders can make us remember. */
  public static final int MAX_PATHS = 4096;

  /** A path nobody uses is forgotten after this long without a packet. */
  private static final long IDLE_PATH_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Stateless resets answered per second at most, so a flood of junk cannot make us a cannon. */
  private static final int RESETS_PER_SECOND = 64;

  private final ClientConnectionIds clientIds;
  private final StatelessResets resets;
  private long resetWindowStart;
  private int resetsInWindow;
  private long resetsSent;
  private final Map<InetSocketAddress, PeerPath> byVirtual = new HashMap<>();
  private final Map<InetSocketAddress, PeerPath> byReal = new HashMap<>();
  private final Map<PeerId, PeerPath> byPeer = new HashMap<>();
  private final byte[] scratch = new byte[255];
  private int nextVirtual = 1;
  private long droppedUnknown;
  private volatile boolean outage;

  public PathLayerHandler(ClientConnectionIds clientIds, StatelessResets resets) {
    this.clientIds = clientIds;
    this.resets = resets;
  }

  /**
   * Drops every packet in both directions while set, as if the network vanished. For tests of what
   * peers notice; never set in normal operation.
   */
  public void simulateOutage(boolean on) {
    outage = on;
  }

  /** The path to dial {@code peer} on: its existing one, or a new one over {@code addresses}. */
  public PeerPath pathForDial(PeerId peer, List<InetSocketAddress> addresses) {
    PeerPath path = byPeer.get(peer);
    if (path == null) {
      for (InetSocketAddress a : addresses) {
        PeerPath known = byReal.get(a);
        if (known != null) {
          path = known;
          break;
        }
      }
    }
    if (path == null) {
      path = newPath(addresses);
    }
    for (InetSocketAddress a : addresses) {
      if (path.addCandidate(a)) {
        byReal.putIfAbsent(a, path);
      }
    }
    byPeer.putIfAbsent(peer, path);
    return path;
  }

  /** Records whose path this is once the handshake has proved it. */
  public void bindPeer(PeerId peer, PeerPath path) {
    byPeer.putIfAbsent(peer, path);
  }

  public PeerPath pathOf(InetSocketAddress virtualAddress) {
    return byVirtual.get(virtualAddress);
  }

  public PeerPath pathOf(PeerId peer) {
    return byPeer.get(peer);
  }

  /** Forgets paths without users and without traffic for a while; called periodically. */
  public void sweep() {
    long now = System.nanoTime();
    Iterator<PeerPath> it = byVirtual.values().iterator();
    while (it.hasNext()) {
      PeerPath p = it.next();
      if (p.users.get() == 0 && now - p.lastActivityNanos > IDLE_PATH_NANOS) {
        it.remove();
        byReal.values().removeIf(v -> v == p);
        byPeer.values().removeIf(v -> v == p);
      }
    }
  }

  private PeerPath newPath(List<InetSocketAddress> addresses) {
    InetSocketAddress virtual;
    do {
      virtual = virtualAddress(nextVirtual);
      nextVirtual = (nextVirtual + 1) & 0x0fff_ffff;
    } while (byVirtual.containsKey(virtual));
    PeerPath path = new PeerPath(virtual, addresses);
    byVirtual.put(virtual, path);
    return path;
  }

  private static InetSocketAddress virtualAddress(int index) {
    byte[] ip = {
      (byte) (0xf0 | (index >>> 24)), (byte) (index >>> 16), (byte) (index >>> 8), (byte) index
    };
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), 4433);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (outage) {
      packet.release();
      return;
    }
    InetSocketAddress sender = packet.sender();
    PeerPath path = byReal.get(sender);
    ByteBuf content = packet.content();
    if (path == null) {
      ByteBuffer dcid = QuicPacketHeaders.destinationConnectionId(content, scratch);
      path = dcid == null ? null : clientIds.path(dcid);
      if (path != null) {
        // A dialled peer answered from an address we did not dial: learn it.
        path.addCandidate(sender);
        byReal.put(sender, path);
      } else if (QuicPacketHeaders.isInitial(content) && byVirtual.size() < MAX_PATHS) {
        path = newPath(List.of(sender));
        byReal.put(sender, path);
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
    path.lastActivityNanos = System.nanoTime();
    if (log.isTraceEnabled()) {
      log.trace("in  {} bytes from {} as {}", content.readableBytes(), sender, path.virtualAddress);
    }
    if (path.current() == null) {
      // The first candidate to answer becomes the path.
      path.select(sender);
    }
    ctx.fireChannelRead(new DatagramPacket(content, packet.recipient(), path.virtualAddress));
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

  public long resetsSent() {
    return resetsSent;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.write(msg, promise);
      return;
    }
    PeerPath path = byVirtual.get(packet.recipient());
    if (path == null || outage) {
      // QUIC only knows virtual addresses; anything else is a path that was forgotten.
      ReferenceCountUtil.release(packet);
      promise.trySuccess();
      return;
    }
    InetSocketAddress real = path.current();
    if (log.isTraceEnabled()) {
      log.trace(
          "out {} bytes to {} via {}", packet.content().readableBytes(), packet.recipient(), real);
    }
    if (real != null) {
      path.countSent(real);
      ctx.write(OutboundDatagrams.readdressed(packet, packet.content(), real), promise);
      return;
    }
    // Not confirmed yet: try every candidate; the first to answer wins.
    List<InetSocketAddress> targets = new ArrayList<>(path.candidates());
    ByteBuf content = packet.content();
    for (int i = 1; i < targets.size(); i++) {
      ctx.write(
          OutboundDatagrams.readdressed(packet, content.retainedDuplicate(), targets.get(i)),
          ctx.voidPromise());
    }
    if (targets.isEmpty()) {
      content.release();
      promise.trySuccess();
    } else {
      ctx.write(OutboundDatagrams.readdressed(packet, content, targets.get(0)), promise);
    }
  }

  public long droppedUnknown() {
    return droppedUnknown;
  }
}
