package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.p2p.api.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterminismTest {

  /** A workload with loss, jitter, duplication, reordering, a partition and unreliable traffic. */
  private static String run(long seed, List<String> timeline) {
    SimNetwork net =
        SimNetwork.builder()
            .seed(seed)
            .defaultLink(
                new LinkConditions(Duration.ofMillis(20), Duration.ofMillis(15), 0.1, 0.05, 0.1, 0))
            .failureRate(0)
            .build();
    SimPair pair = new SimPair(net);
    for (int i = 0; i < 200; i++) {
      pair.aliceToBob.send(SimPair.message(i, 100 + i));
      pair.aliceToBob.send(SimPair.message(i, 30), Delivery.UNRELIABLE);
      if (i == 100) {
        net.partition(pair.alice, pair.bob);
        net.runFor(Duration.ofSeconds(2));
        net.heal();
      }
    }
    net.runUntilIdle();
    long received = pair.bobFromAlice.stats().messagesReceived();
    for (long i = 0; i < received; i++) {
      byte[] m = net.await(pair.bobFromAlice.recv());
      timeline.add(net.now().toNanos() + ":" + SimPair.index(m) + ":" + m.length);
    }
    timeline.add("end " + net.now().toNanos() + " " + pair.aliceToBob.stats());
    return net.traceHash();
  }

  @Test
  void sameSeedGivesSameRunByteForByte() {
    qt().withExamples(15)
        .forAll(longs().all())
        .checkAssert(
            seed -> {
              List<String> first = new ArrayList<>();
              List<String> second = new ArrayList<>();
              assertEquals(run(seed, first), run(seed, second), "seed " + seed);
              assertEquals(first, second, "seed " + seed);
            });
  }

  @Test
  void differentSeedsGiveDifferentRuns() {
    qt().withExamples(15)
        .forAll(longs().all())
        .checkAssert(
            seed ->
                assertNotEquals(
                    run(seed, new ArrayList<>()),
                    run(seed + 1, new ArrayList<>()),
                    "seed " + seed));
  }

  @Test
  void peerIdsDependOnSeedAndNameOnly() {
    SimNetwork a = SimNetwork.builder().seed(1).build();
    SimNetwork b = SimNetwork.builder().seed(1).build();
    SimNetwork c = SimNetwork.builder().seed(2).build();
    assertEquals(a.newPeer("x").localPeerId(), b.newPeer("x").localPeerId());
    assertNotEquals(a.newPeer("y").localPeerId(), c.newPeer("y").localPeerId());
  }
}
