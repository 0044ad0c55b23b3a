package dev.p2p.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Sizes for test messages: mostly small, some large, kept modest so real networks run fast. */
final class MessageSizes {
  /** Largest size of an ordinary (not deliberately maximal) test message. */
  static final int LARGE = 64 * 1024;

  private MessageSizes() {}

  /** Mostly small sizes: 60% up to 512 B, 30% up to 8 KiB, 10% up to 64 KiB; never above max. */
  static int typical(SplittableRandom random, int max) {
    int roll = random.nextInt(10);
    int bound = roll < 6 ? 512 : roll < 9 ? 8 * 1024 : LARGE;
    return random.nextInt(Math.min(bound, max) + 1);
  }

  /**
   * {@code count} typical sizes in which 0, 1, {@code max - 1} and {@code max} each appear once at
   * a random position (when {@code count} allows).
   */
  static List<Integer> withExtremes(SplittableRandom random, int count, int max) {
    List<Integer> sizes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      sizes.add(typical(random, max));
    }
    int[] extremes = {0, Math.min(1, max), Math.max(0, max - 1), max};
    List<Integer> positions = new ArrayList<>();
    for (int extreme : extremes) {
      if (positions.size() == count) {
        break;
      }
      int position;
      do {
        position = random.nextInt(count);
      } while (positions.contains(position));
      positions.add(position);
      sizes.set(position, extreme);
    }
    return sizes;
  }

  /** Sizes of at least {@link Payloads#HEADER} bytes, so each message identifies itself. */
  static int tagged(SplittableRandom random, int maxBody, int max) {
    return Math.min(max, Payloads.HEADER + random.nextInt(maxBody + 1));
  }

  static long sum(List<Integer> sizes) {
    long total = 0;
    for (int size : sizes) {
      total += size;
    }
    return total;
  }
}
