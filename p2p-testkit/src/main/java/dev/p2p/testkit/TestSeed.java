package dev.p2p.testkit;

import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The seed of one test's randomness. Set {@code -Dp2p.testkit.seed=N} to replay a failed run: every
 * randomised test (QuickTheories properties included) then uses N instead of a fresh seed.
 */
final class TestSeed {
  /** The system property that fixes the seed. */
  static final String PROPERTY = "p2p.testkit.seed";

  private TestSeed() {}

  /** The replay seed if the property is set, else a fresh non-zero one. */
  static long next() {
    String fixed = System.getProperty(PROPERTY);
    if (fixed != null && !fixed.isBlank()) {
      try {
        return Long.parseLong(fixed.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "-D"
                + PROPERTY
                + " must be a decimal long (as printed by a failed run), got '"
                + fixed
                + "'",
            e);
      }
    }
    long seed;
    do {
      seed = ThreadLocalRandom.current().nextLong();
    } while (seed == 0); // QuickTheories replaces a zero seed, which would break replay.
    return seed;
  }

  static SplittableRandom random(long seed) {
    return new SplittableRandom(seed);
  }
}
