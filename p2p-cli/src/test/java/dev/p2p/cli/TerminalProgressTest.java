package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The bar drawn on a terminal ends with the path, and follows a change at the next update. */
class TerminalProgressTest {
  @Test
  void showsThePathAndFollowsAChange() {
    AtomicReference<String> path = new AtomicReference<>("direct 198.18.0.2:4433");
    try (TerminalProgress bar = new TerminalProgress("receiving", 100, path::get)) {
      assertEquals("direct 198.18.0.2:4433", bar.shownPath());
      path.set("relayed via http://relay.example:3340");
      bar.update(10);
      assertEquals("relayed via http://relay.example:3340", bar.shownPath());
      path.set("direct 198.18.0.2:4433");
      bar.finish(100);
      assertEquals("direct 198.18.0.2:4433", bar.shownPath());
    }
  }
}
