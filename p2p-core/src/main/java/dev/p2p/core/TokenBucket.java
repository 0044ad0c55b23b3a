package dev.p2p.core;

import java.util.function.LongSupplier;

/**
 * A token bucket measured in bytes that may go into debt: a read is never refused or cut (that
 * would lose data), it is paid for afterwards by pausing further reads until the debt is repaid.
 * Servers use it to hold a client to its rate as back-pressure on its reads. Not thread-safe: used
 * from one channel's event loop.
 */
public final class TokenBucket {
  private final double bytesPerNano;
  private final double capacity;
  private final LongSupplier ticker;
  private double tokens;
  private long lastRefill;

  public TokenBucket(long bytesPerSecond, long burstBytes, LongSupplier ticker) {
    if (bytesPerSecond <= 0 || burstBytes <= 0) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    this.bytesPerNano = bytesPerSecond / 1e9;
    this.capacity = burstBytes;
    this.ticker = ticker;
    this.tokens = burstBytes;
    this.lastRefill = ticker.getAsLong();
  }

  /** Takes {@code bytes} tokens, going into debt if needed. */
  public void consume(long bytes) {
    refill();
    tokens -= bytes;
  }

  /** True if no debt is outstanding. */
  public boolean canProceed() {
    refill();
    return tokens >= 0;
  }

  /** Nanoseconds until the debt is repaid at the configured rate; 0 if none. */
  public long nanosUntilRepaid() {
    refill();
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / bytesPerNano);
  }

  public double tokens() {
    refill();
    return tokens;
  }

  private void refill() {
    long now = ticker.getAsLong();
    long elapsed = now - lastRefill;
    if (elapsed > 0) {
      tokens = Math.min(capacity, tokens + elapsed * bytesPerNano);
      lastRefill = now;
    }
  }
}
