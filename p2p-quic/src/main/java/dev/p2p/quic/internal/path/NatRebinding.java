package dev.p2p.quic.internal.path;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * NAT rebinding: a QUIC packet of one of our connections (known by its destination connection id)
 * from an address the path never learnt. QUIC judges the packet itself (AEAD, packet numbers: a
 * forged or replayed one goes nowhere), but the address is not believed: sends keep going where
 * they went, and the new address gets an authenticated ping under the peer's probe key. Only its
 * pong (from that address, answering that ping) makes the path learn the address, and a direct path
 * then moves to it ({@link PathMonitor#directAnswered}). So an off-path attacker replaying a
 * captured packet from elsewhere gets a ping it cannot answer and redirects nothing.
 *
 * <p>Bounded: a path remembers at most {@link #MAX_PENDING_PER_PATH} unconfirmed addresses (the
 * oldest goes first), each for {@link #PENDING_NANOS}, and sends at most {@link
 * #MAX_PINGS_PER_SECOND} validation pings a second. Event-loop confined.
 */
final class NatRebinding {
  static final int MAX_PENDING_PER_PATH = 8;
  static final long PENDING_NANOS = TimeUnit.SECONDS.toNanos(5);
  static final int MAX_PINGS_PER_SECOND = 20;

  /** A new address that keeps sending is pinged again at most this often until it answers. */
  static final long REPING_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  /** Sends one authenticated ping; false if it could not (the peer's key is not known yet). */
  interface Pinger {
    boolean ping(PeerPath path, InetSocketAddress to);
  }

  private static final class Candidate {
    final long firstSeen;
    long lastPing; // 0: not pinged yet

    Candidate(long now) {
      firstSeen = now;
    }
  }

  private static final class PerPath {
    final Map<InetSocketAddress, Candidate> pending =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, Candidate> eldest) {
            return size() > MAX_PENDING_PER_PATH;
          }
        };
    long windowStart;
    int pingsInWindow;

    PerPath(long now) {
      windowStart = now;
    }
  }

  private final Map<PeerPath, PerPath> byPath = new HashMap<>();
  private final Pinger pinger;
  private long lastPrune;
  private long pingsSent;

  NatRebinding(Pinger pinger) {
    this.pinger = pinger;
  }

  /**
   * A QUIC packet of {@code path}'s connections came from {@code from}, an address it never learnt.
   */
  void packetFrom(PeerPath path, InetSocketAddress from, long now) {
    PerPath s = byPath.computeIfAbsent(path, p -> new PerPath(now));
    Candidate c = s.pending.get(from);
    if (c == null || now - c.firstSeen > PENDING_NANOS) {
      c = new Candidate(now);
      s.pending.remove(from);
      s.pending.put(from, c);
    }
    if (c.lastPing != 0 && now - c.lastPing < REPING_NANOS) {
      return;
    }
    if (now - s.windowStart > TimeUnit.SECONDS.toNanos(1)) {
      s.windowStart = now;
      s.pingsInWindow = 0;
    }
    if (s.pingsInWindow >= MAX_PINGS_PER_SECOND) {
      return;
    }
    if (pinger.ping(path, from)) {
      c.lastPing = now;
      s.pingsInWindow++;
      pingsSent++;
    }
  }

  /**
   * An authenticated pong from {@code from} answered a ping of {@code path}: true (once) if {@code
   * from} was a rebinding candidate, which is now confirmed.
   */
  boolean confirmed(PeerPath path, InetSocketAddress from, long now) {
    PerPath s = byPath.get(path);
    if (s == null) {
      return false;
    }
    Candidate c = s.pending.remove(from);
    if (s.pending.isEmpty()) {
      byPath.remove(path);
    }
    return c != null && now - c.firstSeen <= PENDING_NANOS;
  }

  /** Unconfirmed addresses remembered now, over all paths (for tests and diagnostics). */
  int pending() {
    int n = 0;
    for (PerPath s : byPath.values()) {
      n += s.pending.size();
    }
    return n;
  }

  long pingsSent() {
    return pingsSent;
  }

  /** Forgets candidates that never answered and paths that are gone; called every tick. */
  void prune(PeerPaths paths, long now) {
    if (now - lastPrune < TimeUnit.SECONDS.toNanos(1)) {
      return;
    }
    lastPrune = now;
    for (Iterator<Map.Entry<PeerPath, PerPath>> it = byPath.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<PeerPath, PerPath> e = it.next();
      e.getValue().pending.values().removeIf(c -> now - c.firstSeen > PENDING_NANOS);
      PeerPath p = e.getKey();
      if (e.getValue().pending.isEmpty() || paths.byVirtual(p.virtualAddress) != p) {
        it.remove();
      }
    }
  }
}
