package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What unconfirmed addresses can make the path layer remember and send. */
class NatRebindingBoundsTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final PeerPaths paths = new PeerPaths();
  private final List<InetSocketAddress> pinged = new ArrayList<>();
  private final NatRebinding rebinding =
      new NatRebinding(
          (p, to) -> {
            pinged.add(to);
            return true;
          });

  private static InetSocketAddress at(int port) {
    return new InetSocketAddress("127.3.0.66", port);
  }

  @Test
  void aNewAddressIsPingedPacedAndConfirmedOnceByItsPong() {
    PeerPath p = paths.newPath(List.of());
    long now = 1_000 * MS;
    for (int i = 0; i < 50; i++) {
      rebinding.packetFrom(p, at(1), now + i * MS); // a burst of packets within 50 ms
    }
    assertEquals(List.of(at(1)), pinged, "one ping for the burst");
    rebinding.packetFrom(p, at(1), now + 250 * MS);
    assertEquals(2, pinged.size(), "pinged again while it keeps sending");
    assertFalse(rebinding.confirmed(p, at(2), now + 260 * MS), "a pong from elsewhere");
    assertTrue(rebinding.confirmed(p, at(1), now + 260 * MS));
    assertFalse(rebinding.confirmed(p, at(1), now + 261 * MS), "only once");
    assertEquals(0, rebinding.pending());
  }

  @Test
  void aPathRemembersAtMostEightAndPingsAtMostTwentyASecond() {
    PeerPath p = paths.newPath(List.of());
    long now = 1_000 * MS;
    for (int i = 0; i < 1000; i++) {
      rebinding.packetFrom(p, at(1000 + i), now + i * 100_000L); // 1,000 addresses in 100 ms
    }
    assertEquals(NatRebinding.MAX_PENDING_PER_PATH, rebinding.pending());
    assertEquals(NatRebinding.MAX_PINGS_PER_SECOND, pinged.size());
    assertTrue(rebinding.confirmed(p, at(1999), now + 200 * MS), "the newest are kept");
    assertFalse(rebinding.confirmed(p, at(1000), now + 200 * MS), "the oldest went first");
  }

  @Test
  void unconfirmedAddressesLapseAndForgottenPathsGo() {
    PeerPath p = paths.newPath(List.of());
    long now = 1_000 * MS;
    rebinding.packetFrom(p, at(1), now);
    long late = now + NatRebinding.PENDING_NANOS + MS;
    assertFalse(rebinding.confirmed(p, at(1), late), "a pong after the lapse moves nothing");
    rebinding.packetFrom(p, at(2), now);
    rebinding.prune(paths, late + 2_000 * MS);
    assertEquals(0, rebinding.pending());
  }
}
