package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.traversal.AuthenticatedProbes;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.ReflexiveDiscovery;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Hole punching for the path layer: the socket's own candidates (interface addresses and STUN
 * reflexive addresses learnt from this very socket), the offers the peers swap over their QUIC
 * connection, and the authenticated probes both send to every candidate at once, paced, after an
 * offer arrives. A ping from an address we did not know (the peer's NAT mapped it anew) teaches us
 * that address and is answered with a ping of our own (ICE's triggered check). Only a pong moves a
 * path ({@link PathMonitor#directAnswered}). Event-loop confined.
 */
final class PathTraversal {
  /** Pace of the probing rounds right after an offer (ICE paces checks at 50 ms). */
  static final long PUNCH_ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** How long the paced rounds go on after an offer; then the monitor's slower probing. */
  static final long PUNCH_NANOS = TimeUnit.SECONDS.toNanos(4);

  /**
   * Direct addresses a path learns from offers and pings at most: the peer is authenticated, but a
   * buggy or hostile one must not make us remember, or spray probes at, unbounded addresses.
   */
  static final int MAX_LEARNT = 32;

  /** Offers closer together than this for one path only update its keys (no new punch burst). */
  private static final long MIN_OFFER_GAP_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** An offer waits at most this long for STUN answers still on their way. */
  private static final long OFFER_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  private final PeerPaths paths;
  private final PathPolicy policy;
  private final AuthenticatedProbes<PeerPath> probes = new AuthenticatedProbes<>();
  private final ReflexiveDiscovery stun = new ReflexiveDiscovery();
  private final Supplier<List<InetSocketAddress>> interfaces;
  private final BooleanSupplier loginsPending;
  private final BirthdayPunching birthday;
  private final List<Runnable> waitingOffers = new ArrayList<>();
  private long waitingSince;
  private PathMonitor monitor;

  PathTraversal(
      PeerPaths paths,
      PathPolicy policy,
      Supplier<List<InetSocketAddress>> interfaces,
      BooleanSupplier loginsPending) {
    this.paths = paths;
    this.policy = policy;
    this.interfaces = interfaces;
    this.loginsPending = loginsPending;
    this.birthday = new BirthdayPunching(paths, policy.birthday(), probes);
  }

  void monitor(PathMonitor m) {
    monitor = m;
    birthday.monitor(m);
  }

  BirthdayPunching birthday() {
    return birthday;
  }

  ReflexiveDiscovery stun() {
    return stun;
  }

  long probesRejected() {
    return probes.rejected();
  }

  /**
   * Handles a datagram from the socket if it is ours (STUN answer or probe): true if consumed (the
   * caller releases it), false if it is for QUIC.
   */
  boolean onDatagram(ChannelHandlerContext ctx, ByteBuf content, InetSocketAddress sender) {
    if (ReflexiveDiscovery.mayBeStun(content)) {
      // Ours if it answers a request; any other 0..3 byte datagram is not QUIC either (fixed bit).
      stun.offer(content, sender, System.nanoTime());
      return true;
    }
    if (!AuthenticatedProbes.isProbe(content)) {
      return false; // QUIC, nearly every packet: no clock read for it here (SocketDemultiplexer)
    }
    long now = System.nanoTime();
    if (AuthenticatedProbes.isPing(content)) {
      PeerPath p = paths.byTag(AuthenticatedProbes.tag(content));
      ByteBuf pong = p == null ? null : probes.answer(ctx.alloc(), content, p.keys);
      if (pong == null) {
        return true;
      }
      ctx.writeAndFlush(new DatagramPacket(pong, sender), ctx.voidPromise());
      if (!policy.relayOnly()
          && !p.candidates().contains(sender)
          && !monitor.pingedFromNewAddress(p, sender, now)
          && p.candidates().size() < MAX_LEARNT) {
        // A peer-reflexive address: the peer's NAT gave this mapping for us. Check it back.
        paths.learnReal(sender, p);
        sendPing(ctx, p, sender, now);
      }
      return true;
    }
    AuthenticatedProbes.Pending<PeerPath> answered = probes.answered(content, sender);
    if (answered != null) {
      if (paths.byReal(sender) == null) {
        // An address we pinged without knowing it (birthday probing's spray): QUIC from it is ours.
        paths.learnReal(sender, answered.path());
      }
      monitor.directAnswered(answered.path(), sender, now, now - answered.sentNanos());
      birthday.directConfirmed(answered.path(), now);
    }
    return true;
  }

  /** Sends an authenticated ping along {@code route}: from the socket it names, else ours. */
  void sendPing(ChannelHandlerContext ctx, PeerPath p, Route.Direct route, long now) {
    if (route.via() != null) {
      birthday.sendPing(p, route.via(), route.address(), now);
    } else {
      sendPing(ctx, p, route.address(), now);
    }
  }

  /** Sends an authenticated ping to {@code to}; nothing before the peer's offer told us its key. */
  void sendPing(ChannelHandlerContext ctx, PeerPath p, InetSocketAddress to, long now) {
    ProbeKeys.Remote remote = p.keys.remote();
    if (remote == null || ctx == null) {
      return;
    }
    ctx.writeAndFlush(
        new DatagramPacket(probes.ping(ctx.alloc(), p, remote, to, now), to), ctx.voidPromise());
  }

  /**
   * Our offer for {@code p}: its probe secrets and every candidate of this socket. The mapping
   * behaviour it tells is the one birthday probing decides by (with the peer's), so both sides
   * decide from the same two values, whenever each learnt them.
   */
  TraversalOffer offerFor(ChannelHandlerContext ctx, PeerPath p) {
    List<InetSocketAddress> candidates = new ArrayList<>();
    if (!policy.relayOnly()) {
      candidates.addAll(interfaces.get());
      for (InetSocketAddress r : stun.reflexive()) {
        if (!candidates.contains(r)) {
          candidates.add(0, r); // reflexive first: the ones that work across NATs
        }
      }
    }
    List<InetSocketAddress> reflexive = stun.reflexive();
    MappingBehaviour mapping =
        policy.relayOnly() ? MappingBehaviour.UNKNOWN : stun.mapping(interfaces.get());
    p.advertisedMapping = mapping;
    TraversalOffer waiting = p.birthdayOfferWaiting;
    if (waiting != null) {
      p.birthdayOfferWaiting = null;
      birthday.offerReceived(ctx, p, mapping, waiting, System.nanoTime());
    }
    return new TraversalOffer(
        p.keys.localTag(),
        p.keys.localKeyCopy(),
        candidates,
        mapping,
        policy.relayOnly() || reflexive.isEmpty() ? null : reflexive.get(0));
  }

  /** Runs {@code r} once STUN answers in flight are in (bounded), so offers carry them. */
  void afterDiscovery(Runnable r, long now) {
    if (!discovering()) {
      r.run();
      return;
    }
    if (waitingOffers.isEmpty()) {
      waitingSince = now;
    }
    waitingOffers.add(r);
  }

  /**
   * STUN answers are on their way, or a relay's welcome (naming its STUN port) may still come: an
   * offer made now could not tell the peer how our NAT maps (one destination cannot show it).
   */
  private boolean discovering() {
    return stun.pending() || loginsPending.getAsBoolean();
  }

  /** The peer's offer arrived over QUIC: learn its candidates and start punching. */
  void offerReceived(ChannelHandlerContext ctx, PeerPath p, TraversalOffer offer, long now) {
    p.keys.remote(offer.tag(), offer.key());
    if (policy.relayOnly()
        || (p.lastOfferNanos != 0 && now - p.lastOfferNanos < MIN_OFFER_GAP_NANOS)) {
      return;
    }
    p.lastOfferNanos = now;
    for (InetSocketAddress a : offer.candidates()) {
      if (p.candidates().size() < MAX_LEARNT
          && !a.getAddress().isAnyLocalAddress()
          && !a.getAddress().isMulticastAddress()) {
        paths.learnReal(a, p);
      }
    }
    p.punchUntilNanos = now + PUNCH_NANOS;
    p.lastPunchNanos = 0;
    punch(ctx, p, now);
    if (p.advertisedMapping != null) {
      birthday.offerReceived(ctx, p, p.advertisedMapping, offer, now);
    } else {
      p.birthdayOfferWaiting = offer; // decided once ours is out, from what it told the peer
    }
  }

  /** One probing round to every candidate, if one is due. */
  void punch(ChannelHandlerContext ctx, PeerPath p, long now) {
    if (now - p.lastPunchNanos < PUNCH_ROUND_NANOS) {
      return;
    }
    p.lastPunchNanos = now;
    for (InetSocketAddress a : p.candidates()) {
      sendPing(ctx, p, a, now);
    }
  }

  /** Called every few milliseconds: STUN retransmissions, offers due, paced punch rounds. */
  void tick(ChannelHandlerContext ctx, long now) {
    if (ctx != null) {
      stun.tick(
          now,
          (server, request) ->
              ctx.writeAndFlush(
                  new DatagramPacket(Unpooled.wrappedBuffer(request), server), ctx.voidPromise()));
    }
    if (!waitingOffers.isEmpty() && (!discovering() || now - waitingSince > OFFER_WAIT_NANOS)) {
      List<Runnable> due = List.copyOf(waitingOffers);
      waitingOffers.clear();
      due.forEach(Runnable::run);
    }
    for (PeerPath p : paths.all()) {
      if (now < p.punchUntilNanos && !(p.current() instanceof Route.Direct)) {
        punch(ctx, p, now);
      }
    }
    birthday.tick(ctx, now);
  }
}
