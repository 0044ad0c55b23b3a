package dev.p2p.tunnel.internal;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads named after their owner, so a thread dump says who started them. Remembers them so
 * the owner can wait for them to end when it closes.
 */
public final class NamedThreadFactory implements ThreadFactory {
  private final String prefix;
  private final AtomicInteger count = new AtomicInteger();
  private final List<Thread> started = new CopyOnWriteArrayList<>();

  public NamedThreadFactory(String prefix) {
    this.prefix = prefix;
  }

  @Override
  public Thread newThread(Runnable r) {
    Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
    t.setDaemon(true);
    started.add(t);
    return t;
  }

  /** Waits, up to {@code timeout} in all, for every thread made here to end. */
  public void joinAll(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : started) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(Math.max(1, left / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
