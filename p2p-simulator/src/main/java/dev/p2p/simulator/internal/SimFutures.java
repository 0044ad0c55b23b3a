package dev.p2p.simulator.internal;

import dev.p2p.api.P2PException;
import dev.p2p.api.P2PTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Hands a future's outcome to a blocking caller as the API's exceptions, not wrapped ones. */
final class SimFutures {
  private SimFutures() {}

  /** The value of a completed future, or its failure unwrapped. */
  static <T> T unwrap(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    } catch (CancellationException e) {
      throw e;
    }
  }

  /** Waits up to {@code timeout} of wall time, for a real-time network. */
  static <T> T get(CompletableFuture<T> future, Duration timeout) {
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new P2PTimeoutException("the awaited operation did not complete within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new P2PException("interrupted while waiting", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new P2PException(String.valueOf(cause), cause);
  }
}
