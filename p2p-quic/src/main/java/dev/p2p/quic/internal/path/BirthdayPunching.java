package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.transports.BirthdaySockets;
import dev.p2p.quic.internal.path.traversal.AuthenticatedProbes;
import dev.p2p.quic.internal.path.traversal.BirthdaySettings;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour.BirthdayRole;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.SprayPorts;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Birthday-paradox punching for the one pairing plain punching cannot do: our mapping varies by
 * destination and the peer's does not, or the other way round (both told in the offers). The hard
 * side ({@link BirthdayAttempt#hard}) opens {@link BirthdaySettings#sockets} extra sockets, each
 * pinging the easy side's public address, so its NAT holds that many mappings toward it; the easy
 * side sprays {@link BirthdaySettings#probes} pings from its QUIC socket at distinct ports of the
 * hard side's public address. A ping that hits a mapping is answered through that socket, whose
 * pong confirms the path; the winner then carries the peer's QUIC packets (a {@link Route.Direct}
 * via it), the other sockets close at once, all of them on failure.
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

  /** How often the winner repeats its own ping until the pong comes back. */
  private static final long TRIGGERED_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final PeerPaths paths;
  private final BirthdaySettings settings;
  private final AuthenticatedProbes<PeerPath> probes;
  private final Map<PeerPath, BirthdayAttempt> byPath = new HashMap<>();
  private final BirthdayStats.Counter stats = new BirthdayStats.Counter();
  private PathMonitor monitor;
  private ChannelHandlerContext ctx;
  private BirthdayAttempt socketsBusy; // the attempt whose sockets are open (losers included)
  private BirthdayAttempt sprayBusy;
  private int winners;
  private int socketsOpen;
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
      a = new BirthdayAttempt(p);
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

  private void received(
      BirthdayAttempt a, BirthdaySockets sockets, Channel socket, DatagramPacket packet) {
    ByteBuf content = packet.content();
    InetSocketAddress from = packet.sender();
    long now = System.nanoTime();
    if (a.sockets != sockets || ctx == null) {
      packet.release();
      return;
    }
    if (!AuthenticatedProbes.isProbe(content)) {
      if (socket == sockets.kept() && from.equals(a.winnerPeer)) {
        // QUIC of the peer through the winner: to QUIC under the peer's one virtual address and
        // our own socket's address as recipient, so QUIC sees no new path (a quiche client drops
        // packets that arrive on a local address it never used).
        a.path.lastActivityNanos = now;
        a.path.lastDirectNanos = now;
        ctx.fireChannelRead(
            new DatagramPacket(
                content, (InetSocketAddress) ctx.channel().localAddress(), a.path.virtualAddress));
      } else {
        packet.release();
      }
      return;
    }
    try {
      if (AuthenticatedProbes.isPing(content)) {
        ByteBuf pong =
            AuthenticatedProbes.tag(content) == a.path.keys.localTag()
                ? probes.answer(socket.alloc(), content, a.path.keys)
                : null;
        if (pong == null) {
          return; // forged, misdirected or replayed: nothing moves
        }
        socket.writeAndFlush(new DatagramPacket(pong, from), socket.voidPromise());
        a.won(socket, from, now);
      } else {
        AuthenticatedProbes.Pending<PeerPath> answered = probes.answered(content, from, socket);
        if (answered != null && answered.path() == a.path) {
          a.won(socket, from, now);
          a.confirmed(socket, from, now, now - answered.sentNanos());
        }
      }
    } finally {
      packet.release();
    }
  }

  /** Every socket closes with the provider's own. */
  private void hookClose() {
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

  /** One path's birthday probing: its schedule and the attempt running now. Loop. */
  private final class BirthdayAttempt implements BirthdaySockets.Listener {
    final PeerPath path;
    boolean wasDirect;
    BirthdayRole role;
    InetSocketAddress target;
    long nextAt;
    long backoff;
    int made;
    // the running attempt
    long startedAt;
    long cpuAtStart;
    BirthdaySockets sockets;
    Channel winner;
    InetSocketAddress winnerPeer;
    long lastTriggered;
    boolean success;
    SprayPorts spray;

    BirthdayAttempt(PeerPath path) {
      this.path = path;
    }

    @Override
    public void received(BirthdaySockets from, Channel socket, DatagramPacket packet) {
      BirthdayPunching.this.received(this, from, socket, packet);
    }

    @Override
    public void readComplete(BirthdaySockets from, Channel socket) {
      if (ctx != null && from == sockets && socket == from.kept()) {
        ctx.fireChannelReadComplete();
      }
    }

    boolean running() {
      return startedAt != 0;
    }

    /** One tick; true once the path is forgotten (everything closed). */
    boolean step(long now) {
      if (paths.byVirtual(path.virtualAddress) != path) {
        end();
        return true;
      }
      if (!running()) {
        if (path.current() instanceof Route.Direct) {
          wasDirect = true;
          return false;
        }
        if (wasDirect) {
          // The direct path failed over: the peer's side sees the same, so both retry in step.
          wasDirect = false;
          nextAt = now + backoff;
        }
        if (made < MAX_ATTEMPTS && now - nextAt >= 0) {
          start(now);
        }
        return false;
      }
      Route current = path.current();
      if (success) {
        if (!(current instanceof Route.Direct d) || d.via() != winner) {
          // The path left the winner (timed out, or a better route): its mapping is done.
          log.debug("birthday socket for {} closes: the path moved to {}", path, current);
          finish(false, now);
        }
        return false;
      }
      if (role == BirthdayRole.EASY && current instanceof Route.Direct) {
        finish(true, now); // a pong to our spray moved the path (PathTraversal)
        return false;
      }
      if (role == BirthdayRole.HARD && current instanceof Route.Direct d && d.via() == null) {
        finish(false, now); // plain punching got there after all
        return false;
      }
      if (now - startedAt > WINDOW_NANOS) {
        finish(false, now);
        return false;
      }
      if (role == BirthdayRole.EASY) {
        sprayDue(now);
      } else if (winner != null && now - lastTriggered > TRIGGERED_NANOS) {
        lastTriggered = now;
        sendPing(path, winner, winnerPeer, now);
      }
      return false;
    }

    private void start(long now) {
      made++;
      if (path.keys.remote() == null
          || (role == BirthdayRole.HARD && (socketsBusy != null || winners >= MAX_WINNERS))
          || (role == BirthdayRole.EASY && sprayBusy != null)) {
        nextAt = now + WINDOW_NANOS + backoff; // the provider is busy: this one counts as failed
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
        return;
      }
      hookClose();
      startedAt = now;
      cpuAtStart = BirthdayStats.threadCpuNanos();
      success = false;
      winner = null;
      winnerPeer = null;
      stats.attemptStarted(role);
      if (role == BirthdayRole.HARD) {
        socketsBusy = this;
        ProbeKeys.Remote remote = path.keys.remote();
        sockets =
            BirthdaySockets.open(
                ctx.channel(),
                settings.sockets(),
                this,
                ch -> {
                  stats.socketOpened();
                  stats.probeSent();
                  ch.writeAndFlush(
                      new DatagramPacket(
                          probes.ping(ch.alloc(), path, remote, target, ch, System.nanoTime()),
                          target),
                      ch.voidPromise());
                },
                () -> socketsOpen--);
        socketsOpen += settings.sockets();
      } else {
        sprayBusy = this;
        spray = new SprayPorts(ThreadLocalRandom.current());
      }
    }

    private void sprayDue(long now) {
      long since = now - startedAt - SPRAY_DELAY_NANOS;
      if (since < 0 || spray.used() >= settings.probes()) {
        return;
      }
      ProbeKeys.Remote remote = path.keys.remote();
      int due = (int) Math.min(settings.probes(), settings.probes() * (since + 1) / SPRAY_NANOS);
      InetAddress ip = target.getAddress();
      boolean sent = false;
      while (spray.used() < due) {
        InetSocketAddress to = new InetSocketAddress(ip, spray.next());
        ctx.write(
            new DatagramPacket(probes.ping(ctx.alloc(), path, remote, to, now), to),
            ctx.voidPromise());
        stats.probeSent();
        sent = true;
      }
      if (sent) {
        ctx.flush();
      }
      if (spray.used() >= settings.probes() && sprayBusy == this) {
        sprayBusy = null;
      }
    }

    /** An authenticated probe arrived on {@code socket} from {@code from}: it is the one. */
    void won(Channel socket, InetSocketAddress from, long now) {
      if (winner != null || !running()) {
        return;
      }
      winner = socket;
      winnerPeer = from;
      log.debug("birthday socket {} heard {} for {}", socket.localAddress(), from, path);
      sockets.keepOnly(socket);
      winners++;
      if (socketsBusy == this) {
        socketsBusy = null;
      }
      lastTriggered = now;
      sendPing(path, socket, from, now); // our own check of the way back (ICE's triggered check)
    }

    /** The winner's ping came back: the path may move to it. */
    void confirmed(Channel socket, InetSocketAddress from, long now, long rtt) {
      if (socket != winner || !from.equals(winnerPeer)) {
        return;
      }
      if (!success) {
        success = true;
        log.debug("birthday socket {} confirmed {} for {}", socket.localAddress(), from, path);
        stats.attemptEnded(true, now - startedAt, BirthdayStats.threadCpuNanos() - cpuAtStart);
      }
      monitor.directAnswered(path, new Route.Direct(from, socket), now, rtt);
    }

    /**
     * Ends the running attempt: closes its sockets (all but a winner in use) and plans the next.
     */
    void finish(boolean succeeded, long now) {
      log.debug(
          "birthday attempt {} ({}) for {} ends after {} ms: {}",
          made,
          role,
          path,
          TimeUnit.NANOSECONDS.toMillis(now - startedAt),
          success || succeeded ? "direct" : "no direct path");
      if (!success) {
        stats.attemptEnded(succeeded, now - startedAt, BirthdayStats.threadCpuNanos() - cpuAtStart);
      }
      end();
      if (!(path.current() instanceof Route.Direct)) {
        nextAt = now + backoff;
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
      }
    }

    /** Closes everything this attempt holds. */
    void end() {
      if (sockets != null) {
        sockets.closeAll();
        sockets = null;
      }
      if (winner != null) {
        winners--;
      }
      winner = null;
      winnerPeer = null;
      success = false;
      startedAt = 0;
      if (socketsBusy == this) {
        socketsBusy = null;
      }
      if (sprayBusy == this) {
        sprayBusy = null;
      }
    }
  }

  /** For tests: starts an attempt for {@code p} now in {@code role} toward {@code target}. */
  void startForTest(
      ChannelHandlerContext ctx, PeerPath p, BirthdayRole role, InetSocketAddress target) {
    this.ctx = ctx;
    BirthdayAttempt a = byPath.computeIfAbsent(p, BirthdayAttempt::new);
    a.role = role;
    a.target = target;
    a.backoff = BACKOFF_NANOS;
    a.nextAt = System.nanoTime();
    a.step(a.nextAt);
  }
}
