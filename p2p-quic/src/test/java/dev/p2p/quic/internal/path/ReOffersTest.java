package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Re-offers follow reflexive changes only, paced and bounded per connection. */
class ReOffersTest {
  private static final long S = TimeUnit.SECONDS.toNanos(1);

  private final PeerPaths paths = new PeerPaths();
  private final ReOffers reOffers = new ReOffers();

  private static List<InetSocketAddress> reflexive(int port) {
    return List.of(new InetSocketAddress("127.2.0.9", port));
  }

  @Test
  void aChangeIsOfferedAgainOnceAndNotBeforeTheGap() {
    PeerPath p = paths.newPath(List.of());
    AtomicInteger sent = new AtomicInteger();
    Object key = new Object();
    reOffers.offered(key, p, sent::incrementAndGet, reflexive(20000), 0);
    reOffers.tick(reflexive(20000), paths, 10 * S);
    assertEquals(0, sent.get(), "nothing changed");
    reOffers.tick(reflexive(20001), paths, 11 * S);
    assertEquals(1, sent.get());
    reOffers.tick(reflexive(20001), paths, 12 * S);
    assertEquals(1, sent.get(), "once per change");
    reOffers.tick(reflexive(20002), paths, 13 * S);
    assertEquals(1, sent.get(), "not within 5 s of the last");
    reOffers.tick(reflexive(20002), paths, 16 * S);
    assertEquals(2, sent.get(), "then the pending change goes out");
    reOffers.end(key);
    reOffers.tick(reflexive(20003), paths, 30 * S);
    assertEquals(2, sent.get(), "a closed connection gets none");
  }

  @Test
  void aConnectionGetsAtMostSixteen() {
    PeerPath p = paths.newPath(List.of());
    AtomicInteger sent = new AtomicInteger();
    reOffers.offered(new Object(), p, sent::incrementAndGet, reflexive(20000), 0);
    for (int i = 1; i <= 100; i++) {
      reOffers.tick(reflexive(20000 + i), paths, i * 10 * S);
    }
    assertEquals(ReOffers.MAX_PER_CONNECTION, sent.get());
  }
}
