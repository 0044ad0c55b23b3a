package dev.p2p.quic.internal.path;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.transports.RelayTransport;
import dev.p2p.quic.internal.path.transports.UdpTransport;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path layer between the UDP socket and the QUIC codecs. QUIC sees each remote peer at one
 * stable virtual address for the whole life of its connections; this handler maps that address, per
 * packet, to the {@link Route} chosen for the peer now and hands the packet to that route's {@link
 * PathTransport}: {@link UdpTransport} for a direct address, {@link RelayTransport} for a relay.
 * Inbound packets, from the socket (sorted by {@link SocketDemultiplexer}) or from a relay ({@link
 * RelayInbound}), reach QUIC with the virtual address of their peer as sender, so a path change
 * never touches a QUIC connection.
 *
 * <p>Event-loop confined (the socket's loop, which is also the relays' loop).
 */
@ChannelHandler.Sharable
public final class PathLayerHandler extends ChannelDuplexHandler {
  private static final Logger log = LoggerFactory.getLogger(PathLayerHandler.class);

  public static final int MAX_PATHS = PeerPaths.MAX_PATHS;

  private final PathPolicy policy;
  private final UdpTransport udp = new UdpTransport();
  private final RelayTransport relays; // null: no relays (direct only)
  private final PeerPaths paths = new PeerPaths();
  private final PathTraversal traversal;
  private final PathMonitor monitor;
  private final ServerConnectionIds serverIds = new ServerConnectionIds(paths::byVirtualHost);
  private final NatRebinding rebinding = new NatRebinding(this::sendValidationPing);
  private final ReOffers reOffers = new ReOffers();
  private final SocketDemultiplexer demux;
  private final RelayInbound relayInbound;
  private ChannelHandlerContext ctx; // the socket's, while bound
  private volatile boolean outage;
  private volatile boolean directOutage;

  public PathLayerHandler(
      ClientConnectionIds clientIds,
      StatelessResets resets,
      PathPolicy policy,
      RelayTransport relays) {
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
    monitor.rebinding(rebinding);
    this.demux = new SocketDemultiplexer(paths, traversal, clientIds, serverIds, rebinding, resets);
    this.relayInbound = new RelayInbound(this, paths, monitor);
    if (this.relays != null) {
      this.relays.receiver(relayInbound);
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

  /** The connection ids the server codec issues (they name the accepted connection's path). */
  public ServerConnectionIds serverConnectionIds() {
    return serverIds;
  }

  /** New addresses waiting to answer a rebinding probe, over all paths. Loop. */
  public int rebindingCandidates() {
    return rebinding.pending();
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
    rebinding.prune(paths, now);
    if (!policy.relayOnly()) {
      reOffers.tick(traversal.stun().reflexive(), paths, now);
    }
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
    traversal.afterDiscovery(() -> sendOffer(path, send), now);
  }

  /** Sends our offer through {@code send}, and again (paced) whenever our candidates change. */
  private void sendOffer(PeerPath path, java.util.function.Consumer<TraversalOffer> send) {
    reOffers.offered(
        send, path, () -> sendOffer(path, send), traversal.stun().reflexive(), System.nanoTime());
    send.accept(traversal.offerFor(ctx, path));
  }

  /** The connection that offered through {@code send} is gone: no more re-offers. Any thread. */
  public void offersEnd(java.util.function.Consumer<TraversalOffer> send) {
    reOffers.end(send);
  }

  /** Offers sent again because our candidates changed. Loop. */
  public long reOffers() {
    return reOffers.reOffers();
  }

  /**
   * A direct path went silent, or a relayed one is trying to get back to direct: our own NAT may
   * have mapped the socket anew, so ask STUN again soon (rate-limited; a new reflexive address is
   * then offered again, see {@link ReOffers}).
   */
  void mayHaveRebound(long now) {
    traversal.stun().refreshSoon(now);
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

  /** The socket's context while bound, else null: where relayed packets go up. */
  ChannelHandlerContext socketContext() {
    return ctx;
  }

  /** Whether {@link #simulateOutage} is on. */
  boolean inOutage() {
    return outage;
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
    demux.read(ctx, packet);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    demux.batchEnded();
    ctx.fireChannelReadComplete();
  }

  private boolean sendValidationPing(PeerPath path, InetSocketAddress to) {
    ChannelHandlerContext c = ctx;
    if (c == null || path.keys.remote() == null) {
      return false;
    }
    traversal.sendPing(c, path, to, System.nanoTime());
    return true;
  }

  /** Sends an authenticated probe along a direct route of {@code path}. Loop. */
  void sendProbe(PeerPath path, Route.Direct to) {
    ChannelHandlerContext c = ctx;
    if (c == null || outage || directOutage) {
      return;
    }
    traversal.sendPing(c, path, to, System.nanoTime());
  }

  /** Stateless resets sent to packets of connections we do not know. */
  public long resetsSent() {
    return demux.resetsSent();
  }

  /** Packets dropped as belonging to no path, from the socket or a relay. */
  public long droppedUnknown() {
    return demux.droppedUnknown() + relayInbound.droppedUnknown();
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
