package dev.p2p.tunnel.server;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/** A nanosecond clock that moves only when told to. */
final class FakeTicker implements LongSupplier {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  @Override
  public long getAsLong() {
    return now.get();
  }

  void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }
}
