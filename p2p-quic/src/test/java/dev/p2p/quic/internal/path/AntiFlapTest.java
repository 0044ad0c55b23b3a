package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Which answered probe moves a path: from the relay to the first direct address that answers, and
 * between two working direct addresses only for a clearly lower round trip ({@link
 * PathMonitor#ANTI_FLAP_NANOS}), so two similar paths never flap.
 */
class AntiFlapTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final PeerPaths paths = new PeerPaths();
  private final PathMonitor monitor = new PathMonitor(null, paths, PathPolicy.DEFAULT, null);

  private static InetSocketAddress at(int port) {
    return new InetSocketAddress("127.3.0.77", port);
  }

  @Test
  void aRelayedPathMovesToTheFirstDirectAddressThatAnswers() {
    PeerPath p = paths.newPath(List.of(at(1), at(2)));
    p.select(new Route.Relayed(URI.create("http://127.0.0.1:1")), "relayed", false);
    monitor.directAnswered(p, at(2), 1_000 * MS, 40 * MS);
    assertEquals(new Route.Direct(at(2)), p.current(), "even a slow direct path beats the relay");
  }

  @Test
  void aDirectPathMovesOnlyForAClearlyLowerRoundTrip() {
    PeerPath p = paths.newPath(List.of(at(1), at(2)));
    long now = 1_000 * MS;
    monitor.directAnswered(p, at(1), now, 20 * MS);
    assertEquals(new Route.Direct(at(1)), p.current());

    monitor.directAnswered(p, at(2), now + MS, 20 * MS - PathMonitor.ANTI_FLAP_NANOS + MS);
    assertEquals(new Route.Direct(at(1)), p.current(), "a little faster is not enough");
    monitor.directAnswered(p, at(1), now + 2 * MS, 20 * MS);
    monitor.directAnswered(p, at(2), now + 3 * MS, 21 * MS);
    assertEquals(new Route.Direct(at(1)), p.current(), "slower never moves it");

    monitor.directAnswered(p, at(2), now + 4 * MS, 20 * MS - PathMonitor.ANTI_FLAP_NANOS - MS);
    assertEquals(new Route.Direct(at(2)), p.current(), "clearly faster does");
    monitor.directAnswered(p, at(1), now + 5 * MS, 16 * MS);
    assertEquals(new Route.Direct(at(2)), p.current(), "and it does not flap back");
  }
}
