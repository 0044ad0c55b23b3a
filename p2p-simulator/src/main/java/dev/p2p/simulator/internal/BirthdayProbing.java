package dev.p2p.simulator.internal;

import dev.p2p.simulator.NatType;
import java.util.concurrent.TimeUnit;

/**
 * Birthday-paradox port probing as the QUIC provider runs it (p2p-quic README, "Birthday probing"),
 * for the one pairing that needs it: {@link NatType#PORT_RESTRICTED} (endpoint-independent mapping,
 * the easy side) with {@link NatType#SYMMETRIC} (a new port per destination, the hard side). The
 * hard side opens 256 sockets toward the easy side; 250 ms later the easy side sprays 1,024 pings
 * at random ports of the hard side's address, paced over 1.5 s in 50 ms ticks; a ping that lands on
 * one of the 256 mappings wins. Per attempt that happens with probability 1 - (1 - 256/64512)^1024,
 * about 98% (97.9% measured in the kernel lab). A missed attempt ends when its 3.5 s window does;
 * the next starts after a back-off of 1 s doubling (at most 30 s), at most 6 attempts.
 *
 * <p>Each attempt's outcome is drawn from the network seed and the connection id alone, not from
 * the network's random stream: both ends of a connection draw the same outcome without talking, and
 * a pairing that never probes leaves every other run's trace as it was.
 */
final class BirthdayProbing {
  static final int SOCKETS = 256;
  static final int PROBES = 1024;
  private static final int PORTS = 65536 - 1024;

  /** The chance that one of PROBES random ports hits one of SOCKETS mappings. */
  static final double MODEL_PROBABILITY = 1 - Math.pow(1 - (double) SOCKETS / PORTS, PROBES);

  static final long SPRAY_DELAY = TimeUnit.MILLISECONDS.toNanos(250);
  static final long SPRAY = TimeUnit.MILLISECONDS.toNanos(1500);
  static final long TICK = TimeUnit.MILLISECONDS.toNanos(50);
  static final long WINDOW = TimeUnit.MILLISECONDS.toNanos(3500);
  static final long BACKOFF = TimeUnit.SECONDS.toNanos(1);
  static final long MAX_BACKOFF = TimeUnit.SECONDS.toNanos(30);
  static final int MAX_ATTEMPTS = 6;

  private static final long SALT = 0xB1A7_4DA7_0000_0001L;

  /** What probing gave one end: the attempt and spray probe that hit, and when its path moves. */
  record Hit(int attempt, int probe, long afterNanos) {
    String reason() {
      return "birthday probing succeeded (attempt " + attempt + ", probe " + probe + ")";
    }
  }

  private double probability = MODEL_PROBABILITY;

  /** True if plain punching cannot join these two NATs but birthday probing can. */
  static boolean needed(NatType a, NatType b) {
    return (a == NatType.PORT_RESTRICTED && b == NatType.SYMMETRIC)
        || (a == NatType.SYMMETRIC && b == NatType.PORT_RESTRICTED);
  }

  /** Tests only: the per-attempt success probability (0 keeps every such pairing relayed). */
  void probability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("a probability is in [0, 1], not " + p);
    }
    probability = p;
  }

  /**
   * The first attempt that hits, for one end of connection {@code connectionId}, counted from the
   * first attempt's start (when the peer's offer arrived); null if all attempts miss. The hard side
   * moves half a round trip later than the easy side: it answers the winning ping through the
   * winner socket and moves on the pong to its own ping.
   */
  Hit firstHit(long seed, long connectionId, boolean hardSide, long directRttNanos) {
    long start = 0;
    long backoff = BACKOFF;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      double u = draw(seed, connectionId, attempt);
      if (u < probability) {
        int probe = probe(u / probability);
        long moved = hardSide ? directRttNanos + directRttNanos / 2 : directRttNanos;
        return new Hit(attempt, probe, start + sentAt(probe) + moved);
      }
      // The attempt ends on the first tick past its window; the next waits the back-off.
      start += WINDOW + TICK + backoff;
      backoff = Math.min(MAX_BACKOFF, backoff * 2);
    }
    return null;
  }

  /**
   * The spray probe that hits, given a hit: inverts the geometric distribution of the first hit
   * (each probe lands with chance SOCKETS / PORTS) conditioned on a hit among PROBES. {@code v} is
   * uniform in [0, 1).
   */
  static int probe(double v) {
    double k =
        Math.ceil(Math.log1p(-v * MODEL_PROBABILITY) / Math.log1p(-(double) SOCKETS / PORTS));
    return (int) Math.max(1, Math.min(PROBES, k));
  }

  /**
   * When the easy side sends spray probe {@code probe} (1-based), from the attempt's start: the
   * provider sends, on each tick from SPRAY_DELAY on, the probes due by then at an even pace.
   */
  static long sentAt(int probe) {
    long since = Math.max(0, ceilDiv(probe * SPRAY, PROBES) - 1);
    return ceilDiv(SPRAY_DELAY + since, TICK) * TICK;
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Uniform in [0, 1), the same for both ends of a connection. */
  private static double draw(long seed, long connectionId, int attempt) {
    long h = SimRandom.splitMix(seed ^ SALT);
    h = SimRandom.splitMix(h + connectionId * 0x9E3779B97F4A7C15L);
    h = SimRandom.splitMix(h + attempt);
    return (h >>> 11) * 0x1.0p-53;
  }
}
