package dev.p2p.relay.internal;

import static dev.p2p.relay.internal.QueueDelayDrops.INTERVAL_NANOS;
import static dev.p2p.relay.internal.QueueDelayDrops.TARGET_NANOS;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** CoDel's control law on explicit clocks: when the relay drops for delay, and how often. */
class QueueDelayDropsTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long LATE = TARGET_NANOS + MS;

  @Test
  void onTimeWritesNeverDrop() {
    QueueDelayDrops d = new QueueDelayDrops();
    for (long t = 0; t < 10 * INTERVAL_NANOS; t += MS) {
      d.written(t, TARGET_NANOS);
      assertFalse(d.shouldDrop(t), "at " + t / MS + " ms");
    }
  }

  @Test
  void lateWritesDropOnlyAfterAWholeInterval() {
    QueueDelayDrops d = new QueueDelayDrops();
    long start = 1_000 * MS + 1; // odd: the late mark keeps its low bit set
    d.written(start, LATE);
    assertFalse(d.shouldDrop(start + INTERVAL_NANOS - MS));
    assertTrue(d.shouldDrop(start + INTERVAL_NANOS));
  }

  @Test
  void whileLateDropsAreSpacedByTheLawNotEveryPacket() {
    QueueDelayDrops d = new QueueDelayDrops();
    long t = 1_000 * MS + 1;
    d.written(t, LATE);
    long end = t + INTERVAL_NANOS + TimeUnit.SECONDS.toNanos(1);
    int offered = 0;
    int drops = 0;
    // A packet every 0.1 ms (640 MB/s of 64 KiB packets), every write late, for one second.
    for (t += INTERVAL_NANOS; t < end; t += MS / 10) {
      d.written(t, LATE);
      offered++;
      if (d.shouldDrop(t)) {
        drops++;
      }
    }
    // interval / sqrt(n) spacing: n drops take 2 * interval * sqrt(n), so about 33 in a second
    // after the first.
    assertTrue(drops >= 20 && drops <= 40, drops + " drops of " + offered + " packets");
  }

  @Test
  void anOnTimeWriteEndsTheDropping() {
    QueueDelayDrops d = new QueueDelayDrops();
    long t = 1_000 * MS + 1;
    d.written(t, LATE);
    t += INTERVAL_NANOS;
    assertTrue(d.shouldDrop(t));
    d.written(t + MS, TARGET_NANOS);
    for (long u = t + MS; u < t + INTERVAL_NANOS; u += MS) {
      assertFalse(d.shouldDrop(u), "at " + (u - t) / MS + " ms after the drop");
    }
  }

  @Test
  void lateAgainSoonResumesNearTheReachedRate() {
    QueueDelayDrops d = new QueueDelayDrops();
    long t = 1_000 * MS + 1;
    d.written(t, LATE);
    t += INTERVAL_NANOS;
    int first = 0;
    for (long end = t + TimeUnit.SECONDS.toNanos(1); t < end; t += MS / 10) {
      first += d.shouldDrop(t) ? 1 : 0;
    }
    assertTrue(first >= 20, first + " drops in the first second");
    d.written(t, TARGET_NANOS);
    t += 10 * MS; // still odd
    d.written(t, LATE);
    t += INTERVAL_NANOS;
    assertTrue(d.shouldDrop(t), "a whole interval late again");
    // Resumed at count - 2 of about 25: the next drop comes after interval / sqrt(23), ~21 ms.
    long next = t;
    do {
      next += MS / 10;
    } while (!d.shouldDrop(next));
    long gap = next - t;
    assertTrue(gap < 30 * MS, "resumed drop spacing " + gap / MS + " ms after " + first + " drops");
  }
}
