package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.traversal.AuthenticatedProbes;
import dev.p2p.quic.internal.path.traversal.BirthdaySettings;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour.BirthdayRole;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Birthday-paradox punching for the one pairing plain punching cannot do: our mapping varies by
 * destination and the peer's does not, or the other way round (both told in the offers). The hard
 * side opens {@link BirthdaySettings#sockets} extra sockets, each pinging the easy side's public
 * address, so its NAT holds that many mappings toward it; the easy side sprays {@link
 * BirthdaySettings#probes} pings from its QUIC socket at distinct ports of the hard side's public
 * address. A ping that hits a mapping is answered through that socket, whose pong confirms the
 * path; the winner then carries the peer's QUIC packets (a {@link Route.Direct} via it), the other
 * sockets close at once, all of them on failure.
 *
 * <p>Both sides run the same schedule from the moment the peer's offer arrived (they arrive within
 * a relay round trip of each other): attempt 1 at once, then after each failure a back-off of 1 s
 * doubling, at most {@link #MAX_ATTEMPTS} per path. Bounds: the counts come from our settings,
 * never from the offer; at most one attempt's sockets and one spray at a time per provider (another
 * path's attempt due meanwhile is skipped, as a failure), at most {@link #MAX_WINNERS} kept
 * sockets. Probes are authenticated like every other ({@link AuthenticatedProbes}): a forged or
 * replayed ping to a birthday socket is not answered and picks no winner. Event-loop confined.
 */
final class BirthdayPunching {
  private static final Logger log = LoggerFactory.getLogger(BirthdayPunching.class);

  /** The easy side starts spraying this long into an attempt: the hard side's mappings first. */
  static final long SPRAY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** The spray is spread over this long (bursts every tick, ~50 ms). */
  static final long SPRAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1500);

  /** An attempt's sockets stay open (and the easy side waits for pongs) this long. */
  static final long WINDOW_NANOS = TimeUnit.MILLISECONDS.toNanos(3500);

  /** The first back-off after a failed attempt; it doubles up to {@link #MAX_BACKOFF_NANOS}. */
  static final long BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Attempts per path at most (its whole life: new offers do not reset it). */
  static final int MAX_ATTEMPTS = 6;

  /** Winner sockets kept open per provider at most (one per path that uses one). */
  static final int MAX_WINNERS = 64;

  final PeerPaths paths;
  final BirthdaySettings settings;
  final AuthenticatedProbes<PeerPath> probes;
  private final Map<PeerPath, BirthdayAttempt> byPath = new HashMap<>();
  final BirthdayStats.Counter stats = new BirthdayStats.Counter();
  PathMonitor monitor;
  ChannelHandlerContext ctx;
  BirthdayAttempt socketsBusy; // the attempt whose sockets are open (losers included)
  BirthdayAttempt sprayBusy;
  int winners;
  int socketsOpen;
  private boolean closeHooked;

  BirthdayPunching(
      PeerPaths paths, BirthdaySettings settings, AuthenticatedProbes<PeerPath> probes) {
    this.paths = paths;
    this.settings = settings;
    this.probes = probes;
  }

  void monitor(PathMonitor m) {
    monitor = m;
  }

  BirthdayStats stats() {
    return stats.snapshot(socketsOpen());
  }

  /** Sockets of ours open for birthday probing now (losers not yet closed, winners). */
  int socketsOpen() {
    return socketsOpen;
  }

  /** The peer's offer arrived: plan attempts if exactly one side's mapping varies. */
  void offerReceived(
      ChannelHandlerContext ctx,
      PeerPath p,
      MappingBehaviour mine,
      TraversalOffer offer,
      long now) {
    BirthdayRole role = MappingBehaviour.role(mine, offer.mapping());
    InetSocketAddress target = offer.publicAddress();
    if (!settings.enabled() || ctx == null || role == BirthdayRole.NONE || !usable(target)) {
      log.debug(
          "no birthday probing for {}: our mapping {}, the peer's {} at {}",
          p,
          mine,
          offer.mapping(),
          target);
      return;
    }
    this.ctx = ctx;
    BirthdayAttempt a = byPath.get(p);
    if (a == null) {
      a = new BirthdayAttempt(this, p);
      byPath.put(p, a);
    } else if (a.running()) {
      return; // one attempt at a time per path; the new offer's keys are already in place
    }
    a.role = role;
    a.target = target;
    a.nextAt = now;
    a.backoff = BACKOFF_NANOS;
    log.debug("birthday probing for {} as the {} side, peer at {}", p, role, target);
    tick(ctx, now);
  }

  private static boolean usable(InetSocketAddress a) {
    if (a == null) {
      return false;
    }
    InetAddress ip = a.getAddress();
    return !ip.isAnyLocalAddress() && !ip.isMulticastAddress();
  }

  /** Starts attempts that are due, paces sprays, ends attempts whose window passed. */
  void tick(ChannelHandlerContext ctx, long now) {
    if (ctx == null || byPath.isEmpty()) {
      return;
    }
    this.ctx = ctx;
    var it = byPath.values().iterator();
    while (it.hasNext()) {
      BirthdayAttempt a = it.next();
      if (a.step(now)) {
        it.remove();
      }
    }
  }

  /** A pong on our own socket moved {@code p}: an easy side's spray is done (and succeeded). */
  void directConfirmed(PeerPath p, long now) {
    BirthdayAttempt a = byPath.get(p);
    if (a != null
        && a.running()
        && a.role == BirthdayRole.EASY
        && p.current() instanceof Route.Direct) {
      a.finish(true, now);
    }
  }

  /** A ping for the monitor's keep-alive of a direct route via one of our birthday sockets. */
  void sendPing(PeerPath p, Channel via, InetSocketAddress to, long now) {
    ProbeKeys.Remote remote = p.keys.remote();
    if (remote == null || !via.isActive()) {
      return;
    }
    via.writeAndFlush(
        new DatagramPacket(probes.ping(via.alloc(), p, remote, to, via, now), to),
        via.voidPromise());
  }

  /** Every socket closes with the provider's own. */
  void hookClose() {
    if (closeHooked || ctx == null) {
      return;
    }
    closeHooked = true;
    ctx.channel()
        .closeFuture()
        .addListener(
            f -> {
              for (BirthdayAttempt a : byPath.values()) {
                a.end();
              }
              byPath.clear();
            });
  }

  /** For tests: starts an attempt for {@code p} now in {@code role} toward {@code target}. */
  void startForTest(
      ChannelHandlerContext ctx, PeerPath p, BirthdayRole role, InetSocketAddress target) {
    this.ctx = ctx;
    BirthdayAttempt a = byPath.computeIfAbsent(p, x -> new BirthdayAttempt(this, x));
    a.role = role;
    a.target = target;
    a.backoff = BACKOFF_NANOS;
    a.nextAt = System.nanoTime();
    a.step(a.nextAt);
  }
}
