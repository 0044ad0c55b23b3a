package dev.p2p.quic.internal;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.SelectStrategy;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.IntSupplier;
import io.netty.util.concurrent.SingleThreadEventExecutor;
import io.netty.util.concurrent.ThreadAwareExecutor;
import java.nio.channels.spi.SelectorProvider;

/**
 * Lets an event loop that has run out of work poll its selector without blocking for a while before
 * it goes to sleep.
 *
 * <p>Why: on a small VM the cost of a round trip is thread wake-ups, not QUIC. A 64-byte round trip
 * hands over four times (caller to dialler loop, to listener loop, back, to caller), and each
 * hand-over to a sleeping thread on another vCPU cost about 25 µs here, while all threads on one
 * vCPU did the same round trip in a third of the time. A loop that is still polling when the next
 * packet or task arrives takes it without being woken. The price is CPU: after each burst of work
 * the loop stays busy for up to the configured time; an idle provider sleeps as before.
 *
 * <p>Tasks submitted from other threads while the loop polls are seen through the executor's queue
 * (the selector is not woken for them in this state). Scheduled tasks that fall due during a poll
 * run at most one poll period late.
 */
final class BusyPollSelectStrategy implements SelectStrategy {
  private final SingleThreadEventExecutor executor;
  private final long pollNanos;

  private BusyPollSelectStrategy(SingleThreadEventExecutor executor, long pollNanos) {
    this.executor = executor;
    this.pollNanos = pollNanos;
  }

  /**
   * NIO event loops that poll for {@code pollNanos} before blocking; with 0, Netty's default (block
   * as soon as there is nothing to do).
   */
  static IoHandlerFactory nioHandlerFactory(long pollNanos) {
    if (pollNanos <= 0) {
      return NioIoHandler.newFactory();
    }
    return loop ->
        NioIoHandler.newFactory(SelectorProvider.provider(), () -> forExecutor(loop, pollNanos))
            .newHandler(loop);
  }

  /** A strategy for one loop; Netty's default one where the loop's task queue is not visible. */
  static SelectStrategy forExecutor(ThreadAwareExecutor loop, long pollNanos) {
    if (pollNanos > 0 && loop instanceof SingleThreadEventExecutor e) {
      return new BusyPollSelectStrategy(e, pollNanos);
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
    long end = System.nanoTime() + pollNanos;
    do {
      int ready = selectNow.get();
      if (ready > 0 || executor.pendingTasks() > 0) {
        return ready;
      }
      Thread.yield(); // a woken thread that needs this vCPU gets it; cheap when none does
    } while (System.nanoTime() - end < 0);
    return SELECT;
  }
}
