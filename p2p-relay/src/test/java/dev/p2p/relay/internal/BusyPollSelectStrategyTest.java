package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.SelectStrategy;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BusyPollSelectStrategyTest {
  /** Long enough that a strategy that missed its exit condition fails the test by its result. */
  private static final long LONG_POLL = TimeUnit.SECONDS.toNanos(10);

  private final DefaultEventExecutor loop = new DefaultEventExecutor();

  /**
   * A strategy whose yield returns at once: a real yield on a loaded test machine can last a time
   * slice, which ends the poll by design (tested on its own below).
   */
  private SelectStrategy polling(long pollNanos) {
    return BusyPollSelectStrategy.forExecutor(
        loop, pollNanos, Thread::onSpinWait, BusyPollSelectStrategy.BACKOFF_NANOS);
  }

  @AfterEach
  void shutDown() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  @Test
  void pollsUntilTheSelectorReportsReadyChannels() throws Exception {
    SelectStrategy s = polling(LONG_POLL);
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    int result = s.calculateStrategy(() -> calls.incrementAndGet() < 4 ? 0 : 2, false);
    assertEquals(2, result, "the ready count, so the loop processes the keys at once");
    assertEquals(4, calls.get());
    assertTrue(System.nanoTime() - start < LONG_POLL / 2, "returned at the first ready key");
  }

  @Test
  void stopsPollingWhenAnotherThreadSubmitsATask() throws Exception {
    // Keep the executor's own thread busy, so a submitted task stays in its queue.
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    loop.execute(
        () -> {
          busy.countDown();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    assertTrue(busy.await(5, TimeUnit.SECONDS));
    try {
      SelectStrategy s = polling(LONG_POLL);
      AtomicInteger calls = new AtomicInteger();
      long start = System.nanoTime();
      int result =
          s.calculateStrategy(
              () -> {
                if (calls.incrementAndGet() == 5) {
                  loop.execute(() -> {});
                }
                return 0;
              },
              false);
      assertEquals(0, result, "no keys, but the loop must run the task instead of sleeping");
      assertEquals(5, calls.get());
      assertTrue(System.nanoTime() - start < LONG_POLL / 2, "returned at the submitted task");
    } finally {
      release.countDown();
    }
  }

  @Test
  void blocksOnceThePollPeriodPassesWithoutWork() throws Exception {
    SelectStrategy s = polling(TimeUnit.MILLISECONDS.toNanos(2));
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    int result = s.calculateStrategy(() -> calls.incrementAndGet() * 0, false);
    long took = System.nanoTime() - start;
    assertEquals(SelectStrategy.SELECT, result);
    assertTrue(calls.get() >= 1, "polled at least once");
    assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(2), "polled for the whole period: " + took);
  }

  @Test
  void aYieldThatLastsATimeSliceEndsThePollAndItBlocksUntilTheBackOffEnds() throws Exception {
    long backoff = TimeUnit.SECONDS.toNanos(1);
    AtomicInteger yields = new AtomicInteger();
    Runnable hog =
        () -> {
          yields.incrementAndGet();
          long until = System.nanoTime() + 2 * BusyPollSelectStrategy.HOG_NANOS;
          while (System.nanoTime() - until < 0) {
            Thread.onSpinWait(); // another task holding the vCPU for a slice
          }
        };
    SelectStrategy s = BusyPollSelectStrategy.forExecutor(loop, LONG_POLL, hog, backoff);
    AtomicInteger calls = new AtomicInteger();
    long start = System.nanoTime();
    assertEquals(
        SelectStrategy.SELECT, s.calculateStrategy(() -> calls.incrementAndGet() * 0, false));
    assertEquals(1, yields.get(), "one long yield ends the poll");
    assertEquals(2, calls.get(), "a last look for what came during the yield");
    // Backing off: blocks at once, as Netty's default, without polling.
    assertEquals(SelectStrategy.SELECT, s.calculateStrategy(calls::incrementAndGet, false));
    assertEquals(2, calls.get());
    assertTrue(System.nanoTime() - start < backoff, "the back-off was still running");
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(backoff) + 50);
    assertEquals(7, s.calculateStrategy(() -> 7, false), "after the back-off it polls again");
  }

  @Test
  void aShortYieldKeepsPolling() throws Exception {
    AtomicInteger yields = new AtomicInteger();
    SelectStrategy s =
        BusyPollSelectStrategy.forExecutor(
            loop, LONG_POLL, yields::incrementAndGet, TimeUnit.SECONDS.toNanos(1));
    AtomicInteger calls = new AtomicInteger();
    assertEquals(3, s.calculateStrategy(() -> calls.incrementAndGet() < 10 ? 0 : 3, false));
    assertEquals(9, yields.get());
  }

  @Test
  void withTasksWaitingItPollsOnceAndNeverBlocks() throws Exception {
    SelectStrategy s = polling(LONG_POLL);
    AtomicInteger calls = new AtomicInteger();
    assertEquals(0, s.calculateStrategy(() -> calls.incrementAndGet() * 0, true));
    assertEquals(1, calls.get());
  }

  @Test
  void withoutAPollPeriodOrAVisibleTaskQueueItBlocksAtOnceLikeNettysDefault() throws Exception {
    ThreadAwareExecutor foreign =
        new ThreadAwareExecutor() {
          @Override
          public boolean isExecutorThread(Thread thread) {
            return false;
          }

          @Override
          public void execute(Runnable command) {
            command.run();
          }
        };
    for (SelectStrategy s :
        new SelectStrategy[] {
          BusyPollSelectStrategy.forExecutor(loop, 0),
          BusyPollSelectStrategy.forExecutor(foreign, LONG_POLL)
        }) {
      AtomicInteger calls = new AtomicInteger();
      assertEquals(SelectStrategy.SELECT, s.calculateStrategy(calls::incrementAndGet, false));
      assertEquals(0, calls.get(), "no poll before blocking");
      assertEquals(7, s.calculateStrategy(() -> 7, true));
    }
  }
}
