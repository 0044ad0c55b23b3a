package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.doubles;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.p2p.api.Delivery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Delivery guarantees over random seeds and random links. QuickTheories prints the falsifying seed
 * and link; rerun a case with that seed in {@link SimNetwork.Builder#seed}.
 */
class ReliableDeliveryPropertyTest {

  @Test
  void reliableMessagesArriveExactlyOnceInOrderUnderLossDuplicationAndReordering() {
    qt().withExamples(40)
        .forAll(
            longs().all(),
            doubles().between(0, 0.3),
            doubles().between(0, 0.3),
            doubles().between(0, 0.3))
        .checkAssert(
            (seed, loss, duplicate, reorder) -> {
              long jitterMs = Math.floorMod(seed, 41);
              LinkConditions link =
                  new LinkConditions(
                      Duration.ofMillis(10),
                      Duration.ofMillis(jitterMs),
                      loss,
                      duplicate,
                      reorder,
                      0);
              SimPair pair = pair(seed, link);
              int count = 300;
              List<CompletableFuture<Void>> sent = new ArrayList<>();
              for (int i = 0; i < count; i++) {
                sent.add(pair.aliceToBob.send(SimPair.message(i, 4 + (i * 37) % 3000)));
                if (i % 50 == 0) {
                  sent.add(pair.bobFromAlice.send(SimPair.message(i, 16)));
                }
              }
              for (int i = 0; i < count; i++) {
                byte[] got = pair.net.await(pair.bobFromAlice.recv());
                assertEquals(i, SimPair.index(got), "seed " + seed);
                assertArrayEquals(SimPair.message(i, 4 + (i * 37) % 3000), got, "seed " + seed);
              }
              pair.net.await(CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)));
              pair.net.runFor(Duration.ofSeconds(20));
              assertEquals(count, pair.bobFromAlice.stats().messagesReceived(), "no extra message");
              assertEquals(6, pair.aliceToBob.stats().messagesReceived(), "reverse direction");
              if (loss > 0.05) {
                assertTrue(
                    pair.net.counters(pair.aliceToBob).retransmissions() > 0, "seed " + seed);
              }
            });
  }

  /**
   * Each end sends and acknowledges at once, so its one timer carries both a coalesced
   * acknowledgement and a retransmission deadline; neither may swallow the other.
   */
  @Test
  void bothDirectionsAtOnceStayExactlyOnceAndInOrderUnderLoss() {
    qt().withExamples(30)
        .forAll(longs().all(), doubles().between(0, 0.3), integers().between(0, 20))
        .checkAssert(
            (seed, loss, gapMs) -> {
              LinkConditions link =
                  new LinkConditions(
                      Duration.ofMillis(10), Duration.ofMillis(8), loss, 0.05, 0.1, 0);
              SimPair pair = pair(seed, link);
              int count = 200;
              for (int i = 0; i < count; i++) {
                pair.aliceToBob.send(SimPair.message(i, 8 + i % 90));
                pair.bobFromAlice.send(SimPair.message(i, 8 + i % 70));
                pair.net.runFor(Duration.ofMillis(gapMs));
              }
              for (int i = 0; i < count; i++) {
                byte[] atBob = pair.net.await(pair.bobFromAlice.recv());
                assertArrayEquals(SimPair.message(i, 8 + i % 90), atBob, "at bob, seed " + seed);
                byte[] atAlice = pair.net.await(pair.aliceToBob.recv());
                assertArrayEquals(
                    SimPair.message(i, 8 + i % 70), atAlice, "at alice, seed " + seed);
              }
              pair.net.runUntilIdle();
              assertEquals(count, pair.bobFromAlice.stats().messagesReceived(), "seed " + seed);
              assertEquals(count, pair.aliceToBob.stats().messagesReceived(), "seed " + seed);
            });
  }

  @Test
  void unreliableMessagesAreNeverInventedAndDuplicatedOnlyWhenTheLinkDuplicates() {
    qt().withExamples(40)
        .forAll(
            longs().all(),
            doubles().between(0, 0.5),
            doubles().between(0, 0.5),
            integers().between(0, 1))
        .checkAssert(
            (seed, loss, reorder, duplicating) -> {
              double duplicate = duplicating == 1 ? 0.3 : 0;
              LinkConditions link =
                  new LinkConditions(
                      Duration.ofMillis(10), Duration.ofMillis(5), loss, duplicate, reorder, 0);
              SimPair pair = pair(seed, link);
              int count = 400;
              for (int i = 0; i < count; i++) {
                pair.aliceToBob.send(SimPair.message(i, 20), Delivery.UNRELIABLE);
              }
              pair.net.runUntilIdle();
              Set<Integer> seen = new HashSet<>();
              int received = 0;
              long delivered = pair.bobFromAlice.stats().messagesReceived();
              for (long i = 0; i < delivered; i++) {
                byte[] got = pair.net.await(pair.bobFromAlice.recv());
                int index = SimPair.index(got);
                assertTrue(index >= 0 && index < count, "invented message, seed " + seed);
                assertArrayEquals(SimPair.message(index, 20), got, "corrupted, seed " + seed);
                boolean fresh = seen.add(index);
                if (duplicate == 0) {
                  assertTrue(fresh, "duplicate without duplication, seed " + seed);
                }
                received++;
              }
              long duplicated = pair.net.counters(pair.aliceToBob).packetsDuplicated();
              // Extra copies come only from the link's duplication (the counter also counts a
              // duplicated handshake packet, hence at most).
              assertTrue(received - seen.size() <= duplicated, "seed " + seed);
              if (loss == 0) {
                assertEquals(count, seen.size(), "nothing lost on a lossless link, seed " + seed);
              }
            });
  }

  /**
   * Connects on a clean link, then degrades it: at 50% loss a handshake fails its 10 s connect
   * timeout about one time in ten, which is right for the network but not what these properties are
   * about.
   */
  private static SimPair pair(long seed, LinkConditions link) {
    SimNetwork net =
        SimNetwork.builder()
            .seed(seed)
            .defaultLink(LinkConditions.PERFECT.withLatency(link.latency()))
            .failureRate(0)
            .build();
    SimPair pair = new SimPair(net);
    net.setLinks(pair.alice.localPeerId(), pair.bob.localPeerId(), link);
    return pair;
  }
}
