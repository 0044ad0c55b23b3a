package dev.p2p.quic.internal.path;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.transports.RelayTransport;
import dev.p2p.quic.internal.path.transports.UdpTransport;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path layer between the UDP socket and the QUIC codecs. QUIC sees each remote peer at one
 * stable virtual address for the whole life of its connections; this handler maps that address, per
 * packet, to the {@link Route} chosen for the peer now and hands the packet to that route's {@link
 * PathTransport}: {@link UdpTransport} for a direct address, {@link RelayTransport} for a relay.
 * Inbound packets, from the socket or from a relay, reach QUIC with the virtual address of their
 * peer as sender, so a path change never touches a QUIC connection.
 *
 * <p>Event-loop confined (the socket's loop, which is also the relays' loop).
 */
@ChannelHandler.Sharable
public final class PathLayerHandler extends ChannelDuplexHandler
    implements RelayTransport.Receiver {
  private static final Logger log = LoggerFactory.getLogger(PathLayerHandler.class);

  public static final int MAX_PATHS = PeerPaths.MAX_PATHS;

  /** Stateless resets answered per second at most, so a flood of junk cannot make us a cannon. */
  private static final int RESETS_PER_SECOND = 64;

  private final ClientConnectionIds clientIds;
  private final StatelessResets resets;
  private final PathPolicy policy;
  private final UdpTransport udp = new UdpTransport();
  private final RelayTransport relays; // null: no relays (direct only)
  private final PeerPaths paths = new PeerPaths();
  private final PathTraversal traversal;
  private final PathMonitor monitor;
  private final byte[] scratch = new byte[255];
  private ChannelHandlerContext ctx; // the socket's, while bound
  private long resetWindowStart;
  private int resetsInWindow;
  private long resetsSent;
  private long droppedUnknown;
  private volatile boolean outage;
  private volatile boolean directOutage;

  public PathLayerHandler(
      ClientConnectionIds clientIds,
      StatelessResets resets,
      PathPolicy policy,
      RelayTransport relays) {
    this.clientIds = clientIds;
    this.resets = resets;
    this.policy = policy;
    this.relays = policy.directOnly() ? null : relays;
    this.traversal =
        new PathTraversal(
            paths,
            policy,
            this::interfaceAddresses,
            () -> this.relays != null && this.relays.loginsPending());
    this.monitor = new PathMonitor(this, paths, policy, this.relays);
    traversal.monitor(monitor);
    if (this.relays != null) {
      this.relays.receiver(this);
    }
  }

  public PathLayerHandler(ClientConnectionIds clientIds, StatelessResets resets) {
    this(clientIds, resets, PathPolicy.DEFAULT, null);
  }

  /**
   * Drops every packet in both directions while set, as if the network vanished. For tests of what
   * peers notice; never set in normal operation.
   */
  public void simulateOutage(boolean on) {
    outage = on;
  }

  /**
   * Drops every direct packet in both directions while set (relays still work), as if a firewall
   * began blackholing UDP. For tests of failover; never set in normal operation.
   */
  public void simulateDirectOutage(boolean on) {
    directOutage = on;
  }

  public PathPolicy policy() {
    return policy;
  }

  /** The relays, or null when none may be used. */
  public RelayTransport relays() {
    return relays;
  }

  /** The path to dial {@code peer} on over these direct addresses and relays. */
  public PeerPath pathForDial(PeerId peer, List<InetSocketAddress> addresses, List<URI> via) {
    PeerPath path = paths.forDial(peer, policy.relayOnly() ? List.of() : addresses);
    if (relays != null) {
      via.forEach(path::addRelay);
    }
    return path;
  }

  public PeerPath pathForDial(PeerId peer, List<InetSocketAddress> addresses) {
    return pathForDial(peer, addresses, List.of());
  }

  /**
   * Records whose path this is once the handshake has proved it. Returns false, and binds nothing,
   * if a relay claimed the path for another peer: the relay lied about the source.
   */
  public boolean bindPeer(PeerId peer, PeerPath path) {
    PeerId claim = path.relayClaim();
    if (claim != null && !claim.equals(peer)) {
      log.warn(
          "a relay said {} sent the packets of a handshake that {} proved; not binding",
          claim.shortString(),
          peer.shortString());
      paths.dropClaim(path);
      return false;
    }
    paths.bind(peer, path);
    return true;
  }

  public PeerPath pathOf(InetSocketAddress virtualAddress) {
    return paths.byVirtual(virtualAddress);
  }

  public PeerPath pathOf(PeerId peer) {
    return paths.byPeer(peer);
  }

  /** Forgets idle paths; called periodically. */
  public void sweep() {
    paths.sweep();
  }

  /** Watches the paths in use (timeouts, probes, failover); called every {@link #tickMillis}. */
  public void tick() {
    long now = System.nanoTime();
    monitor.tick(now);
    askStun(now);
    traversal.tick(ctx, now);
  }

  /** STUN at every relay's STUN port, unless asked within the refresh interval. */
  private void askStun(long now) {
    if (relays != null && !policy.relayOnly()) {
      for (InetSocketAddress server : relays.stunServers()) {
        traversal.stun().ask(server, now);
      }
    }
  }

  public long tickMillis() {
    // The paced punch rounds need a finer tick than the path monitor alone.
    return Math.min(
        monitor.tickMillis(), TimeUnit.NANOSECONDS.toMillis(PathTraversal.PUNCH_ROUND_NANOS) / 2);
  }

  // ---- hole punching ----

  /**
   * Calls {@code send} with our traversal offer for {@code path} (probe secrets and candidates)
   * once STUN answers still on their way are in, bounded. Loop.
   */
  public void offerFor(PeerPath path, java.util.function.Consumer<TraversalOffer> send) {
    long now = System.nanoTime();
    askStun(now); // a relay logged in since the last tick: its answer belongs in this offer
    traversal.afterDiscovery(() -> send.accept(traversal.offerFor(ctx, path)), now);
  }

  /** The peer's offer for {@code path} arrived over its QUIC connection: punch. Loop. */
  public void offerReceived(PeerPath path, TraversalOffer offer) {
    traversal.offerReceived(ctx, path, offer, System.nanoTime());
  }

  /** The reflexive addresses STUN found for this socket. Any thread. */
  public List<InetSocketAddress> reflexiveAddresses() {
    return traversal.stun().reflexive();
  }

  /** Probes dropped as forged, misdirected or replayed. */
  public long probesRejected() {
    return traversal.probesRejected();
  }

  /** What birthday probing has spent and won. Any thread. */
  public BirthdayStats birthdayStats() {
    return traversal.birthday().stats();
  }

  private List<InetSocketAddress> interfaceAddresses() {
    ChannelHandlerContext c = ctx;
    if (c == null || !(c.channel().localAddress() instanceof InetSocketAddress bound)) {
      return List.of();
    }
    try {
      return dev.p2p.quic.internal.LocalAddresses.reachable(bound);
    } catch (RuntimeException e) {
      log.debug("no interface candidates: {}", e.toString());
      return List.of();
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (this.ctx == ctx) {
      this.ctx = null;
    }
  }

  // ---- inbound: the socket ----

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (outage || directOutage || policy.relayOnly()) {
      packet.release();
      return;
    }
    InetSocketAddress sender = packet.sender();
    PeerPath path = paths.byReal(sender);
    ByteBuf content = packet.content();
    if (traversal.onDatagram(ctx, content, sender)) {
      packet.release();
      return;
    }
    if (path == null) {
      ByteBuffer dcid = QuicPacketHeaders.destinationConnectionId(content, scratch);
      path = dcid == null ? null : clientIds.path(dcid);
      if (path != null) {
        // A dialled peer answered from an address we did not dial (NAT rebinding): learn it.
        paths.learnReal(sender, path);
      } else if (QuicPacketHeaders.isInitial(content) && !paths.full()) {
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
    long now = System.nanoTime();
    path.lastActivityNanos = now;
    path.lastDirectNanos = now;
    if (path.current() == null) {
      // The first route to answer becomes the path.
      path.select(new Route.Direct(sender), "the peer answered at " + sender, false);
    }
    ctx.fireChannelRead(new DatagramPacket(content, packet.recipient(), path.virtualAddress));
  }

  /** Sends an authenticated probe along a direct route of {@code path}. Loop. */
  void sendProbe(PeerPath path, Route.Direct to) {
    ChannelHandlerContext c = ctx;
    if (c == null || outage || directOutage) {
      return;
    }
    traversal.sendPing(c, path, to, System.nanoTime());
  }

  // ---- inbound: the relays ----

  @Override
  public void relayedPacket(URI relay, PeerId source, ByteBuf payload) {
    ChannelHandlerContext c = ctx;
    if (c == null || outage) {
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
    ChannelHandlerContext c = ctx;
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

  public long droppedUnknown() {
    return droppedUnknown;
  }

  // ---- outbound ----

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.write(msg, promise);
      return;
    }
    PeerPath path = paths.byVirtual(packet.recipient());
    if (path == null || outage) {
      // QUIC only knows virtual addresses; anything else is a path that was forgotten.
      ReferenceCountUtil.release(packet);
      promise.trySuccess();
      return;
    }
    Route route = path.current();
    if (route != null) {
      send(ctx, packet, route, path, promise);
      return;
    }
    // Not confirmed yet: try every route; the first to answer wins.
    List<Route> targets = monitor.unconfirmedRoutes(path);
    if (targets.isEmpty()) {
      packet.release();
      promise.trySuccess();
      return;
    }
    for (int i = 1; i < targets.size(); i++) {
      send(ctx, packet.retainedDuplicate(), targets.get(i), path, ctx.voidPromise());
    }
    send(ctx, packet, targets.get(0), path, promise);
  }

  private void send(
      ChannelHandlerContext ctx,
      DatagramPacket packet,
      Route route,
      PeerPath path,
      ChannelPromise promise) {
    path.countSent(route);
    if (route instanceof Route.Direct) {
      if (directOutage || policy.relayOnly()) {
        packet.release();
        promise.trySuccess();
        return;
      }
      udp.send(ctx, packet, route, path, promise);
    } else if (relays != null) {
      relays.send(ctx, packet, route, path, promise);
    } else {
      packet.release();
      promise.trySuccess();
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    if (relays != null) {
      relays.flush(ctx);
    }
    ctx.flush();
  }
}
