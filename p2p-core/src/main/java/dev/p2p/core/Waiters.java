package dev.p2p.core;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Futures waiting for the next item, oldest first. A future the caller completed, cancelled or
 * timed out ({@code orTimeout}) is skipped, so the item goes to the next live waiter instead of
 * being lost. Not thread-safe: the owner guards it.
 */
final class Waiters<T> {
  private static final int FIRST_PURGE = 16;

  private final ArrayDeque<CompletableFuture<T>> futures = new ArrayDeque<>();
  private int purgeAt = FIRST_PURGE;

  void add(CompletableFuture<T> future) {
    if (futures.size() >= purgeAt) {
      // A caller that times out every wait on a quiet connection would otherwise grow this forever.
      futures.removeIf(CompletableFuture::isDone);
      purgeAt = Math.max(FIRST_PURGE, 2 * futures.size());
    }
    futures.add(future);
  }

  /** The oldest waiter not yet done, or null. It may still be completed by its caller later. */
  CompletableFuture<T> pollLive() {
    CompletableFuture<T> f;
    while ((f = futures.poll()) != null) {
      if (!f.isDone()) {
        return f;
      }
    }
    return null;
  }

  /** True if some waiter is not done yet. */
  boolean anyLive() {
    for (CompletableFuture<T> f : futures) {
      if (!f.isDone()) {
        return true;
      }
    }
    return false;
  }

  /** Waiters held, done ones included until the next purge. */
  int size() {
    return futures.size();
  }

  /** Removes and returns every waiter. */
  ArrayDeque<CompletableFuture<T>> drain() {
    ArrayDeque<CompletableFuture<T>> all = new ArrayDeque<>(futures);
    futures.clear();
    return all;
  }
}
