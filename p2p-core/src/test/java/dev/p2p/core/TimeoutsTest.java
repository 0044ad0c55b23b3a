package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TimeoutsTest {

  @Test
  void failsWithTheTypedErrorWhenLate() throws Exception {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    try {
      CompletableFuture<String> f =
          Timeouts.failAfter(
              new CompletableFuture<>(),
              Duration.ofMillis(20),
              timer,
              () -> new P2PTimeoutException("no answer within 20 ms (P2P_CONNECT_TIMEOUT_MS)"));
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
      assertInstanceOf(P2PTimeoutException.class, e.getCause());
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void theTimerGoesOnceTheFutureCompletes() throws Exception {
    ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    timer.setRemoveOnCancelPolicy(true);
    try {
      CompletableFuture<String> f = new CompletableFuture<>();
      Timeouts.failAfter(f, Duration.ofHours(1), timer, () -> new P2PTimeoutException("late"));
      assertEquals(1, timer.getQueue().size());
      f.complete("done");
      assertEquals(0, timer.getQueue().size());
      assertEquals("done", f.get(1, TimeUnit.SECONDS));
    } finally {
      timer.shutdownNow();
    }
  }

  @Test
  void lingerReturnsWhenAllAreDoneOrWhenItRunsOut() {
    CompletableFuture<Void> done = CompletableFuture.completedFuture(null);
    CompletableFuture<Void> failed = CompletableFuture.failedFuture(new IllegalStateException());
    assertTrue(CloseLinger.await(List.of(done, failed), Duration.ofSeconds(5)));
    long start = System.nanoTime();
    assertFalse(CloseLinger.await(List.of(new CompletableFuture<>()), Duration.ofMillis(50)));
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    assertFalse(CloseLinger.await(List.of(new CompletableFuture<>()), Duration.ZERO));
  }
}
