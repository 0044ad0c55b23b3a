package dev.p2p.benchmarks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Every wait in the benchmarks is bounded: a hang fails the run instead of stalling it. */
final class Waits {
  static final long TIMEOUT_SECONDS = 30;

  private Waits() {}

  static <T> T get(CompletableFuture<T> future) {
    try {
      return future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("benchmark wait failed", e);
    }
  }
}
