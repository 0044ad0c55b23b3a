package dev.p2p.simulator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BirthdayProbingModelTest {
  private static final long RTT = TimeUnit.MILLISECONDS.toNanos(20);

  @Test
  void theModelsProbabilityIsTheBirthdayBound() {
    // 1 - (1 - 256/64512)^1024
    assertEquals(0.983, BirthdayProbing.MODEL_PROBABILITY, 0.001);
  }

  @Test
  void probesLeaveOnTheSpraysTicks() {
    assertEquals(ms(300), BirthdayProbing.sentAt(1), "the first burst, one tick after 250 ms");
    assertEquals(ms(300), BirthdayProbing.sentAt(34), "~34 per 50 ms tick");
    assertEquals(ms(350), BirthdayProbing.sentAt(35));
    assertEquals(ms(1750), BirthdayProbing.sentAt(1024), "the last, 1.5 s after the first due");
    for (int probe = 2; probe <= BirthdayProbing.PROBES; probe++) {
      assertTrue(BirthdayProbing.sentAt(probe) >= BirthdayProbing.sentAt(probe - 1));
    }
  }

  @Test
  void theHittingProbeSpansTheSpray() {
    assertEquals(1, BirthdayProbing.probe(0));
    assertEquals(BirthdayProbing.PROBES, BirthdayProbing.probe(Math.nextDown(1.0)));
    // Geometric with p = 256/64512 given a hit among 1,024: the median is ~probe 171.
    int median = BirthdayProbing.probe(0.5);
    assertTrue(median > 150 && median < 190, "median probe " + median);
  }

  @Test
  void attemptsHitAtTheSetProbabilityAndRetryOnTheProvidersSchedule() {
    BirthdayProbing model = new BirthdayProbing();
    int n = 100_000;
    int first = 0;
    long sum = 0;
    for (long id = 1; id <= n; id++) {
      BirthdayProbing.Hit hit = model.firstHit(42, id, false, RTT);
      if (hit.attempt() == 1) {
        first++;
        sum += hit.afterNanos();
      }
    }
    // sd of the share over 100,000 draws: 0.04%
    assertEquals(BirthdayProbing.MODEL_PROBABILITY, first / (double) n, 0.002);
    long meanMs = TimeUnit.NANOSECONDS.toMillis(sum / first);
    // E[probe | hit] ~ 236 of 1,024, sent ~0.65 s into the attempt, plus the pong.
    assertTrue(meanMs > 550 && meanMs < 750, "mean ms to direct after the offers " + meanMs);

    model.probability(0);
    assertNull(model.firstHit(42, 1, false, RTT));
    model.probability(1);
    for (long id = 1; id <= 100; id++) {
      BirthdayProbing.Hit easy = model.firstHit(42, id, false, RTT);
      BirthdayProbing.Hit hard = model.firstHit(42, id, true, RTT);
      assertEquals(1, easy.attempt());
      assertEquals(easy.probe(), hard.probe(), "both ends draw the same");
      assertEquals(easy.afterNanos() + RTT / 2, hard.afterNanos(), "the hard side's extra half");
    }
  }

  @Test
  void aMissedAttemptIsRetriedAfterItsWindowAndTheBackOff() {
    BirthdayProbing model = new BirthdayProbing();
    model.probability(0.5);
    // Attempt n starts 0, 4.55, 10.1, 17.65, 29.2, 48.75 s in: each 3.5 s window plus the tick
    // that ends it, then 1 s of back-off doubling.
    long[] startMs = {0, 4550, 10_100, 17_650, 29_200, 48_750};
    int[] seen = new int[BirthdayProbing.MAX_ATTEMPTS + 1];
    for (long id = 1; id <= 2000; id++) {
      BirthdayProbing.Hit hit = model.firstHit(9, id, false, RTT);
      if (hit == null) {
        seen[0]++;
        continue;
      }
      seen[hit.attempt()]++;
      long expected = ms(startMs[hit.attempt() - 1]) + BirthdayProbing.sentAt(hit.probe()) + RTT;
      assertEquals(expected, hit.afterNanos(), "attempt " + hit.attempt());
    }
    for (int attempt = 1; attempt <= BirthdayProbing.MAX_ATTEMPTS; attempt++) {
      assertTrue(seen[attempt] > 0, "some hit at attempt " + attempt);
    }
    // (1/2)^6 of 2,000: ~31 stay relayed
    assertTrue(seen[0] > 10 && seen[0] < 60, "missed all six: " + seen[0]);
  }

  @Test
  void aProbabilityOutsideZeroToOneIsRefused() {
    BirthdayProbing model = new BirthdayProbing();
    assertThrows(IllegalArgumentException.class, () -> model.probability(-0.1));
    assertThrows(IllegalArgumentException.class, () -> model.probability(1.1));
    assertThrows(IllegalArgumentException.class, () -> model.probability(Double.NaN));
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
