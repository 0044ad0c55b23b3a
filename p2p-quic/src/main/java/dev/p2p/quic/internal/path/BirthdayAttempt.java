package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.transports.BirthdaySockets;
import dev.p2p.quic.internal.path.traversal.AuthenticatedProbes;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour.BirthdayRole;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.SprayPorts;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One path's birthday probing for {@link BirthdayPunching}: its schedule (attempts, back-off) and
 * the attempt running now: the hard side's sockets and winner, or the easy side's paced spray. The
 * provider-wide caps and counters are the owner's. Loop.
 */
final class BirthdayAttempt implements BirthdaySockets.Listener {
  private static final Logger log = LoggerFactory.getLogger(BirthdayAttempt.class);

  /** How often the winner repeats its own ping until the pong comes back. */
  private static final long TRIGGERED_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final BirthdayPunching owner;
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

  BirthdayAttempt(BirthdayPunching owner, PeerPath path) {
    this.owner = owner;
    this.path = path;
  }

  @Override
  public void received(BirthdaySockets from, Channel socket, DatagramPacket packet) {
    onDatagram(from, socket, packet);
  }

  @Override
  public void readComplete(BirthdaySockets from, Channel socket) {
    if (owner.ctx != null && from == sockets && socket == from.kept()) {
      owner.ctx.fireChannelReadComplete();
    }
  }

  boolean running() {
    return startedAt != 0;
  }

  /** One tick; true once the path is forgotten (everything closed). */
  boolean step(long now) {
    if (owner.paths.byVirtual(path.virtualAddress) != path) {
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
      if (made < BirthdayPunching.MAX_ATTEMPTS && now - nextAt >= 0) {
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
    if (now - startedAt > BirthdayPunching.WINDOW_NANOS) {
      finish(false, now);
      return false;
    }
    if (role == BirthdayRole.EASY) {
      sprayDue(now);
    } else if (winner != null && now - lastTriggered > TRIGGERED_NANOS) {
      lastTriggered = now;
      owner.sendPing(path, winner, winnerPeer, now);
    }
    return false;
  }

  private void start(long now) {
    made++;
    if (path.keys.remote() == null
        || (role == BirthdayRole.HARD
            && (owner.socketsBusy != null || owner.winners >= BirthdayPunching.MAX_WINNERS))
        || (role == BirthdayRole.EASY && owner.sprayBusy != null)) {
      nextAt =
          now
              + BirthdayPunching.WINDOW_NANOS
              + backoff; // the provider is busy: this one counts as failed
      backoff = Math.min(BirthdayPunching.MAX_BACKOFF_NANOS, backoff * 2);
      return;
    }
    owner.hookClose();
    startedAt = now;
    cpuAtStart = BirthdayStats.threadCpuNanos();
    success = false;
    winner = null;
    winnerPeer = null;
    owner.stats.attemptStarted(role);
    if (role == BirthdayRole.HARD) {
      owner.socketsBusy = this;
      ProbeKeys.Remote remote = path.keys.remote();
      sockets =
          BirthdaySockets.open(
              owner.ctx.channel(),
              owner.settings.sockets(),
              this,
              ch -> {
                owner.stats.socketOpened();
                owner.stats.probeSent();
                ch.writeAndFlush(
                    new DatagramPacket(
                        owner.probes.ping(ch.alloc(), path, remote, target, ch, System.nanoTime()),
                        target),
                    ch.voidPromise());
              },
              () -> owner.socketsOpen--);
      owner.socketsOpen += owner.settings.sockets();
    } else {
      owner.sprayBusy = this;
      spray = new SprayPorts(ThreadLocalRandom.current());
    }
  }

  private void sprayDue(long now) {
    long since = now - startedAt - BirthdayPunching.SPRAY_DELAY_NANOS;
    if (since < 0 || spray.used() >= owner.settings.probes()) {
      return;
    }
    ProbeKeys.Remote remote = path.keys.remote();
    int due =
        (int)
            Math.min(
                owner.settings.probes(),
                owner.settings.probes() * (since + 1) / BirthdayPunching.SPRAY_NANOS);
    InetAddress ip = target.getAddress();
    boolean sent = false;
    while (spray.used() < due) {
      InetSocketAddress to = new InetSocketAddress(ip, spray.next());
      owner.ctx.write(
          new DatagramPacket(owner.probes.ping(owner.ctx.alloc(), path, remote, to, now), to),
          owner.ctx.voidPromise());
      owner.stats.probeSent();
      sent = true;
    }
    if (sent) {
      owner.ctx.flush();
    }
    if (spray.used() >= owner.settings.probes() && owner.sprayBusy == this) {
      owner.sprayBusy = null;
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
    owner.winners++;
    if (owner.socketsBusy == this) {
      owner.socketsBusy = null;
    }
    lastTriggered = now;
    owner.sendPing(
        path, socket, from, now); // our own check of the way back (ICE's triggered check)
  }

  /** The winner's ping came back: the path may move to it. */
  void confirmed(Channel socket, InetSocketAddress from, long now, long rtt) {
    if (socket != winner || !from.equals(winnerPeer)) {
      return;
    }
    if (!success) {
      success = true;
      log.debug("birthday socket {} confirmed {} for {}", socket.localAddress(), from, path);
      owner.stats.attemptEnded(true, now - startedAt, BirthdayStats.threadCpuNanos() - cpuAtStart);
    }
    owner.monitor.directAnswered(path, new Route.Direct(from, socket), now, rtt);
  }

  /** Ends the running attempt: closes its sockets (all but a winner in use) and plans the next. */
  void finish(boolean succeeded, long now) {
    log.debug(
        "birthday attempt {} ({}) for {} ends after {} ms: {}",
        made,
        role,
        path,
        TimeUnit.NANOSECONDS.toMillis(now - startedAt),
        success || succeeded ? "direct" : "no direct path");
    if (!success) {
      owner.stats.attemptEnded(
          succeeded, now - startedAt, BirthdayStats.threadCpuNanos() - cpuAtStart);
    }
    end();
    if (!(path.current() instanceof Route.Direct)) {
      nextAt = now + backoff;
      backoff = Math.min(BirthdayPunching.MAX_BACKOFF_NANOS, backoff * 2);
    }
  }

  /** Closes everything this attempt holds. */
  void end() {
    if (sockets != null) {
      sockets.closeAll();
      sockets = null;
    }
    if (winner != null) {
      owner.winners--;
    }
    winner = null;
    winnerPeer = null;
    success = false;
    startedAt = 0;
    if (owner.socketsBusy == this) {
      owner.socketsBusy = null;
    }
    if (owner.sprayBusy == this) {
      owner.sprayBusy = null;
    }
  }

  private void onDatagram(BirthdaySockets from0, Channel socket, DatagramPacket packet) {
    ByteBuf content = packet.content();
    InetSocketAddress from = packet.sender();
    long now = System.nanoTime();
    if (sockets != from0 || owner.ctx == null) {
      packet.release();
      return;
    }
    if (!AuthenticatedProbes.isProbe(content)) {
      if (socket == from0.kept() && from.equals(winnerPeer)) {
        // QUIC of the peer through the winner: to QUIC under the peer's one virtual address and
        // our own socket's address as recipient, so QUIC sees no new path (a quiche client drops
        // packets that arrive on a local address it never used).
        path.lastActivityNanos = now;
        path.lastDirectNanos = now;
        owner.ctx.fireChannelRead(
            new DatagramPacket(
                content,
                (InetSocketAddress) owner.ctx.channel().localAddress(),
                path.virtualAddress));
      } else {
        packet.release();
      }
      return;
    }
    try {
      if (AuthenticatedProbes.isPing(content)) {
        ByteBuf pong =
            AuthenticatedProbes.tag(content) == path.keys.localTag()
                ? owner.probes.answer(socket.alloc(), content, path.keys)
                : null;
        if (pong == null) {
          return; // forged, misdirected or replayed: nothing moves
        }
        socket.writeAndFlush(new DatagramPacket(pong, from), socket.voidPromise());
        won(socket, from, now);
      } else {
        AuthenticatedProbes.Pending<PeerPath> answered =
            owner.probes.answered(content, from, socket);
        if (answered != null && answered.path() == path) {
          won(socket, from, now);
          confirmed(socket, from, now, now - answered.sentNanos());
        }
      }
    } finally {
      packet.release();
    }
  }
}
