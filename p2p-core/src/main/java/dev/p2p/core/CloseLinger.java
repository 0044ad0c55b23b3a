package dev.p2p.core;

import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code P2PProvider.close()} does between closing its connections gracefully and resetting
 * what is left: wait, but not past the linger ({@code P2P_CLOSE_LINGER_MS}).
 */
public final class CloseLinger {
  private CloseLinger() {}

  /**
   * Waits until every future is done (normally or not) or {@code linger} has passed. Returns true
   * if all were done in time. An interrupt ends the wait early and keeps the thread's interrupt
   * flag.
   */
  public static boolean await(Collection<? extends CompletableFuture<?>> futures, Duration linger) {
    if (futures.isEmpty()) {
      return true;
    }
    CompletableFuture<Void> all =
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
    if (linger.isZero() || linger.isNegative()) {
      return all.isDone();
    }
    try {
      all.get(linger.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException e) {
      return futures.stream().allMatch(CompletableFuture::isDone);
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
