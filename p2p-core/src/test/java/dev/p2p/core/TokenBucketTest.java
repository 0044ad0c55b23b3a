package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

  @Test
  void aReadIsNeverCutItGoesIntoDebtThatTimeRepays() {
    AtomicLong now = new AtomicLong();
    TokenBucket bucket = new TokenBucket(1000, 500, now::get); // 1000 B/s, 500 B burst
    bucket.consume(1500);
    assertFalse(bucket.canProceed());
    assertEquals(1_000_000_000L, bucket.nanosUntilRepaid()); // 1000 B of debt at 1000 B/s
    now.addAndGet(999_000_000L);
    assertFalse(bucket.canProceed());
    now.addAndGet(1_000_000L);
    assertTrue(bucket.canProceed());
    assertEquals(0, bucket.nanosUntilRepaid());
  }

  @Test
  void idleTimeFillsOnlyUpToTheBurst() {
    AtomicLong now = new AtomicLong();
    TokenBucket bucket = new TokenBucket(1000, 500, now::get);
    now.addAndGet(60_000_000_000L);
    assertEquals(500, bucket.tokens(), 1e-9);
  }

  @Test
  void rateAndBurstMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, () -> 0));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(1, 0, () -> 0));
  }
}
