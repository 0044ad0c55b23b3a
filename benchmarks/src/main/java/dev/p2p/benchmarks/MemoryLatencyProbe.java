package dev.p2p.benchmarks;

import java.util.Random;

/**
 * The machine's cost of a cold cache line: one dependent load per 64-byte line, following a random
 * cyclic permutation so that neither the prefetcher nor out-of-order execution can hide the
 * latency. Explains the simulator's scale results (RESULTS.md): how much a message costs once the
 * state it touches no longer fits in cache.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.p2p.benchmarks.MemoryLatencyProbe}
 */
public final class MemoryLatencyProbe {
  private static final int INTS_PER_LINE = 16;
  private static final long LOADS = 20_000_000L;

  private MemoryLatencyProbe() {}

  public static void main(String[] args) {
    for (int mib : new int[] {1, 4, 16, 64, 256}) {
      int[] next = cycle(mib);
      chase(next, LOADS); // warm-up: JIT and page faults
      long start = System.nanoTime();
      int end = chase(next, LOADS);
      double ns = (double) (System.nanoTime() - start) / LOADS;
      System.out.printf("%4d MiB: %6.1f ns per dependent load (ended at %d)%n", mib, ns, end);
    }
  }

  /** A single random cycle through every cache line of a {@code mib}-MiB array. */
  private static int[] cycle(int mib) {
    int[] next = new int[mib * (1 << 20) / Integer.BYTES];
    int lines = next.length / INTS_PER_LINE;
    int[] order = new int[lines];
    for (int i = 0; i < lines; i++) {
      order[i] = i;
    }
    Random random = new Random(1);
    for (int i = lines - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int i = 0; i < lines; i++) {
      next[order[i] * INTS_PER_LINE] = order[(i + 1) % lines] * INTS_PER_LINE;
    }
    return next;
  }

  private static int chase(int[] next, long loads) {
    int p = 0;
    for (long i = 0; i < loads; i++) {
      p = next[p];
    }
    return p; // printed, so the loop cannot be removed
  }
}
