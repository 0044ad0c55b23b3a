package dev.p2p.simulator.internal;

/**
 * xoshiro256** seeded through SplitMix64. Written out rather than using {@code SplittableRandom}
 * because the JDK does not promise that algorithm across releases, and a seed must replay the same
 * run on every JDK.
 */
final class SimRandom {
  private long s0;
  private long s1;
  private long s2;
  private long s3;

  SimRandom(long seed) {
    long x = seed;
    s0 = splitMix(x += 0x9E3779B97F4A7C15L);
    s1 = splitMix(x += 0x9E3779B97F4A7C15L);
    s2 = splitMix(x += 0x9E3779B97F4A7C15L);
    s3 = splitMix(x + 0x9E3779B97F4A7C15L);
  }

  static long splitMix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  long nextLong() {
    long result = Long.rotateLeft(s1 * 5, 7) * 9;
    long t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = Long.rotateLeft(s3, 45);
    return result;
  }

  /** Uniform in [0, 1). */
  double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /**
   * True with probability {@code p}; draws nothing when p is 0 or 1, so a perfect link stays cheap.
   */
  boolean chance(double p) {
    if (p <= 0) {
      return false;
    }
    if (p >= 1) {
      return true;
    }
    return nextDouble() < p;
  }

  /** Uniform in [0, bound]; 0 without drawing when bound is 0. */
  long upTo(long bound) {
    if (bound <= 0) {
      return 0;
    }
    return Long.remainderUnsigned(nextLong(), bound + 1);
  }
}
