package dev.p2p.core;

import dev.p2p.api.P2PException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Deadlines on futures, run by the provider's own scheduler (its event loop), not by a JDK timer
 * thread per call.
 */
public final class Timeouts {
  private Timeouts() {}

  /**
   * Fails {@code future} with the error (typically a {@code P2PTimeoutException} naming the
   * setting) unless it completes within {@code timeout}; the timer is cancelled when it does.
   * Returns the same future.
   */
  public static <T> CompletableFuture<T> failAfter(
      CompletableFuture<T> future,
      Duration timeout,
      ScheduledExecutorService scheduler,
      Supplier<? extends P2PException> error) {
    Objects.requireNonNull(future, "future");
    Objects.requireNonNull(error, "error");
    if (future.isDone()) {
      return future;
    }
    ScheduledFuture<?> timer =
        scheduler.schedule(
            () -> {
              future.completeExceptionally(error.get());
            },
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    future.whenComplete((v, e) -> timer.cancel(false));
    return future;
  }
}
