package dev.p2p.relay.internal;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.nio.channels.spi.SelectorProvider;

/**
 * Lets an event loop that has run out of work poll its selector without blocking for a while before
 * it goes to sleep.
 *
 * <p>Used by the QUIC provider's loops and by the relay server's ({@code P2P_QUIC_BUSY_POLL_US},
 * {@code P2P_RELAY_BUSY_POLL_US}). Why: on a small VM the cost of a round trip is thread wake-ups,
 * not QUIC. A 64-byte round trip hands over four times (caller to dialler loop, to listener loop,
 * back, to caller), and each hand-over to a sleeping thread on another vCPU cost about 25 µs here,
 * while all threads on one vCPU did the same round trip in a third of the time. A loop that is
 * still polling when the next packet or task arrives takes it without being woken. The price is
 * CPU: after each burst of work the loop stays busy for up to the configured time; an idle provider
 * sleeps as before.
 *
 * <p>Tasks submitted from other threads while the loop polls are seen through the executor's queue
 * (the selector is not woken for them in this state). Scheduled tasks that fall due during a poll
 * run at most one poll period late.
 *
 * <p>The poll yields between looks, so that a woken thread that needs this vCPU gets it. A
 * CPU-bound task sharing the vCPU (a {@code nice}d batch job) then keeps it for its whole time
 * slice. The loop is runnable, never asleep, so its packet does not wake it, and a 64-byte round
 * trip took 0.3-2.0 ms on average instead of 0.1-0.2 (benchmarks/RESULTS.md, session 8). So a yield
 * that lasts longer than {@link #HOG_NANOS} ends the poll, and the loop blocks as Netty's default
 * does for {@link #BACKOFF_NANOS} before it polls again.
 */
public final class BusyPollSelectStrategy implements SelectStrategy {
  /**
   * A yield this long: another task held the vCPU for a time slice, not a short hand-over. At 200
   * µs polls ended in an idle {@code TransportBenchmark} too, whose mean round trip rose from 50 to
   * 71-87 µs; at 1 ms it stayed at 47-52 (session 8).
   */
  static final long HOG_NANOS = 1_000_000;

  /** After such a yield, how long the loop blocks without polling before it tries again. */
  static final long BACKOFF_NANOS = 20_000_000;

  private final SingleThreadEventExecutor executor;
  private final long pollNanos;
  private final Runnable yield;
  private final long backoffNanos;
  private long pollAgainAt = System.nanoTime();

  private BusyPollSelectStrategy(
      SingleThreadEventExecutor executor, long pollNanos, Runnable yield, long backoffNanos) {
    this.executor = executor;
    this.pollNanos = pollNanos;
    this.yield = yield;
    this.backoffNanos = backoffNanos;
  }

  /**
   * NIO event loops that poll for {@code pollNanos} before blocking; with 0, Netty's default (block
   * as soon as there is nothing to do).
   */
  public static IoHandlerFactory nioHandlerFactory(long pollNanos) {
    if (pollNanos <= 0) {
      return NioIoHandler.newFactory();
    }
    return loop ->
        NioIoHandler.newFactory(SelectorProvider.provider(), () -> forExecutor(loop, pollNanos))
            .newHandler(loop);
  }

  /** As {@link #nioHandlerFactory(long)}, for Linux's native epoll transport. */
  public static IoHandlerFactory epollHandlerFactory(long pollNanos) {
    if (pollNanos <= 0) {
      return EpollIoHandler.newFactory();
    }
    return loop ->
        EpollIoHandler.newFactory(0, () -> forExecutor(loop, pollNanos)).newHandler(loop);
  }

  /** A strategy for one loop; Netty's default one where the loop's task queue is not visible. */
  static SelectStrategy forExecutor(ThreadAwareExecutor loop, long pollNanos) {
    return forExecutor(loop, pollNanos, Thread::yield, BACKOFF_NANOS);
  }

  /** As {@link #forExecutor(ThreadAwareExecutor, long)}, with the yield and back-off given. */
  static SelectStrategy forExecutor(
      ThreadAwareExecutor loop, long pollNanos, Runnable yield, long backoffNanos) {
    if (pollNanos > 0 && loop instanceof SingleThreadEventExecutor e) {
      return new BusyPollSelectStrategy(e, pollNanos, yield, backoffNanos);
    }
    // Without a view of the task queue, a poll could hide a submitted task: never poll then.
    return (selectNow, hasTasks) -> hasTasks ? selectNow.get() : SELECT;
  }

  @Override
  public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
    if (hasTasks) {
      // Work is waiting: look for I/O without blocking, as Netty's default strategy does.
      return selectNow.get();
    }
    long now = System.nanoTime();
    if (now - pollAgainAt < 0) {
      return SELECT; // backing off: a CPU-bound task shares this vCPU
    }
    long end = now + pollNanos;
    do {
      int ready = selectNow.get();
      if (ready > 0 || executor.pendingTasks() > 0) {
        return ready;
      }
      long before = System.nanoTime();
      yield.run(); // a woken thread that needs this vCPU gets it; cheap when none does
      now = System.nanoTime();
      if (now - before > HOG_NANOS) {
        pollAgainAt = now + backoffNanos;
        int ready2 = selectNow.get(); // what came during the yield, before blocking
        return ready2 > 0 || executor.pendingTasks() > 0 ? ready2 : SELECT;
      }
    } while (now - end < 0);
    return SELECT;
  }
}
