package dev.p2p.tunnel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.tunnel.server.internal.RateLimitedLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A flood of kicks logs a few lines a second per reason, then says how many it suppressed. */
class RateLimitedLogTest {
  private final FakeTicker clock = new FakeTicker();
  private final List<String> lines = new ArrayList<>();
  private final RateLimitedLog log = new RateLimitedLog(lines::add, 3, clock);

  @Test
  void aFloodIsCutToTheBudgetAndSummarised() {
    for (int i = 0; i < 1000; i++) {
      log.info("idle", "kick " + i);
    }
    assertEquals(List.of("kick 0", "kick 1", "kick 2"), lines);
    log.info("banned", "ban 0"); // another reason has its own budget
    assertEquals("ban 0", lines.get(3));

    clock.advance(Duration.ofSeconds(1));
    log.info("idle", "kick again");
    assertEquals(List.of("suppressed 997 similar lines (idle)", "kick again"), lines.subList(4, 6));
  }

  @Test
  void flushReportsWhatWasSuppressedOnceTheSecondIsOver() {
    for (int i = 0; i < 10; i++) {
      log.info("idle", "kick " + i);
    }
    log.flush();
    assertEquals(3, lines.size(), "the second is not over yet");
    clock.advance(Duration.ofSeconds(1));
    log.flush();
    assertEquals("suppressed 7 similar lines (idle)", lines.get(3));
    log.flush();
    assertEquals(4, lines.size(), "reported once");
  }
}
