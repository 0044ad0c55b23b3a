package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * PORT_RESTRICTED x SYMMETRIC ends direct by birthday probing, as the QUIC provider does in the
 * kernel lab: later than a plain punch, with a seeded ~98% per attempt, retried with back-off.
 */
class BirthdayProbingTest {
  private static final Pattern ATTEMPT = Pattern.compile("attempt (\\d+), probe (\\d+)");
  // One relayed round trip (the offers) on the links below: 2 x (10 + 30) ms.
  private static final long OFFERS_MS = 80;

  private static SimNetwork network(long seed) {
    return SimNetwork.builder()
        .seed(seed)
        .failureRate(0)
        .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(10)))
        .relayLatency(Duration.ofMillis(30))
        .build();
  }

  /** When (virtual ms since the handshake) and why a connection end moved to the direct path. */
  private record Move(long atMs, String reason) {}

  private static List<Move> watch(SimNetwork net, P2PConnection c) {
    long from = net.now().toMillis();
    List<Move> moves = new ArrayList<>();
    c.addListener(
        new ConnectionListener() {
          @Override
          public void pathChanged(PathChangeEvent event) {
            moves.add(new Move(net.now().toMillis() - from, event.reason()));
          }
        });
    return moves;
  }

  private static long directAfterMs(NatType a, NatType b) {
    SimNetwork net = network(7);
    SimPair pair = new SimPair(net, a, b);
    List<Move> dialer = watch(net, pair.aliceToBob);
    List<Move> acceptor = watch(net, pair.bobFromAlice);
    net.runFor(Duration.ofSeconds(60));
    assertEquals(PathType.DIRECT, pair.aliceToBob.stats().path(), a + " x " + b);
    assertEquals(PathType.DIRECT, pair.bobFromAlice.stats().path(), a + " x " + b);
    assertEquals(1, dialer.size(), a + " x " + b);
    assertEquals(1, acceptor.size(), a + " x " + b);
    return dialer.get(0).atMs();
  }

  @Test
  void theBirthdayPairingTakesLongerThanAPlainPunch() {
    long plain = directAfterMs(NatType.FULL_CONE, NatType.SYMMETRIC);
    assertEquals(OFFERS_MS, plain, "a plain punch takes the offers' relayed round trip");
    for (long birthday :
        new long[] {
          directAfterMs(NatType.PORT_RESTRICTED, NatType.SYMMETRIC),
          directAfterMs(NatType.SYMMETRIC, NatType.PORT_RESTRICTED)
        }) {
      // The spray starts 250 ms into the attempt; its first probes leave on the 300 ms tick.
      assertTrue(birthday >= plain + 300 + 20, "birthday " + birthday + " ms, plain " + plain);
    }
  }

  @Test
  void withTheProbabilityForcedToZeroItStaysRelayed() {
    SimNetwork net = network(7);
    net.birthdayProbability(0);
    SimPair pair = new SimPair(net, NatType.PORT_RESTRICTED, NatType.SYMMETRIC);
    List<Move> moves = watch(net, pair.aliceToBob);
    // Past six attempts and their back-off: 0, 4.55, 10.1, 17.65, 29.2 and 48.75 s, each 3.55 s.
    net.runFor(Duration.ofSeconds(120));
    assertEquals(PathType.RELAYED, pair.aliceToBob.stats().path());
    assertEquals(PathType.RELAYED, pair.bobFromAlice.stats().path());
    assertEquals(List.of(), moves);
    // The knob is birthday probing's only: a plain punch on the same network still goes direct.
    P2PProvider carol = net.newPeer("carol", NatType.FULL_CONE);
    P2PConnection c = net.await(carol.connect(pair.bob.localPeerId()));
    net.runFor(Duration.ofSeconds(1));
    assertEquals(PathType.DIRECT, c.stats().path());
  }

  @Test
  void aConnectionClosedBeforeItsHitLeavesNothingScheduled() {
    SimNetwork net = network(7);
    SimPair pair = new SimPair(net, NatType.PORT_RESTRICTED, NatType.SYMMETRIC);
    pair.aliceToBob.close();
    net.await(pair.aliceToBob.closeFuture());
    net.await(pair.bobFromAlice.closeFuture());
    long closedAt = net.now().toMillis();
    net.runUntilIdle();
    // A hit pending seconds away would hold the clock (and a churn of connections one event each).
    assertEquals(closedAt, net.now().toMillis());
    assertEquals(0, net.pendingEvents());
  }

  /**
   * Many connections of one pairing: the share that hits at the first attempt is the model's ~98%;
   * a miss is retried on the provider's schedule, and both ends move in the same attempt.
   */
  @Test
  void attemptsHitAtTheModelsRateAndMissesRetryWithBackOff() {
    int[] model = byAttempt(-1, 2000);
    // 1 - (1 - 256/64512)^1024 = 0.983; over 2,000 draws its sd is 0.3%.
    double first = model[1] / 2000.0;
    assertTrue(first > 0.97 && first < 0.995, "first-attempt share " + first);
    assertTrue(model[2] > 0, "some pairings need a second attempt");
    assertEquals(0, model[0], "none misses six attempts at 98% each");

    // At p = 0.5 about half of what is left hits at each attempt; ~1.6% miss all six.
    int[] half = byAttempt(0.5, 400);
    assertTrue(half[1] > 160 && half[1] < 240, "attempt 1: " + half[1]);
    assertTrue(half[2] > 70 && half[2] < 130, "attempt 2: " + half[2]);
    assertTrue(half[4] > 0 && half[5] > 0 && half[6] > 0, java.util.Arrays.toString(half));
    assertTrue(half[0] > 0, "some miss all six and stay relayed");
  }

  /** How many connections hit at each attempt (index 0: none did, they stayed relayed). */
  private static int[] byAttempt(double probability, int connections) {
    SimNetwork net = network(11);
    if (probability >= 0) {
      net.birthdayProbability(probability);
    }
    P2PProvider easy = net.newPeer("easy", NatType.PORT_RESTRICTED);
    P2PProvider hard = net.newPeer("hard", NatType.SYMMETRIC);
    P2PListener listener = net.await(hard.listen("hard"));
    List<P2PConnection> dialed = new ArrayList<>();
    List<List<Move>> dialers = new ArrayList<>();
    List<List<Move>> acceptors = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      P2PConnection c = net.await(easy.connect(hard.localPeerId()));
      dialed.add(c);
      dialers.add(watch(net, c));
      acceptors.add(watch(net, net.await(listener.accept())));
    }
    net.runFor(Duration.ofSeconds(120));
    int[] byAttempt = new int[BirthdayAttempts.MAX + 1];
    for (int i = 0; i < connections; i++) {
      List<Move> easySide = dialers.get(i);
      List<Move> hardSide = acceptors.get(i);
      assertEquals(easySide.size(), hardSide.size(), "both ends or neither, connection " + i);
      if (easySide.isEmpty()) {
        assertEquals(PathType.RELAYED, dialed.get(i).stats().path());
        byAttempt[0]++;
        continue;
      }
      Move moved = easySide.get(0);
      Matcher m = ATTEMPT.matcher(moved.reason());
      assertTrue(m.find(), moved.reason());
      int attempt = Integer.parseInt(m.group(1));
      int probe = Integer.parseInt(m.group(2));
      byAttempt[attempt]++;
      assertTrue(hardSide.get(0).reason().contains(m.group()), "same attempt and probe both ends");
      // After the offers and the attempt's start, the probe leaves on the first 50 ms tick by
      // which the spray (from 250 ms, 1,024 over 1.5 s) is due to have sent it; its pong a direct
      // round trip (20 ms) later moves the easy side.
      long sinceNanos = Math.max(0, (probe * 1_500_000_000L + 1023) / 1024 - 1);
      long sent = (250_000_000L + sinceNanos + 49_999_999) / 50_000_000 * 50;
      assertEquals(
          OFFERS_MS + BirthdayAttempts.startMs(attempt) + sent + 20, moved.atMs(), moved + "");
      // The hard side started its attempt 40 ms earlier (it had the offer a relay hop sooner) and
      // moves half a round trip later than the easy side (its triggered ping through the winner).
      assertEquals(moved.atMs() - 40 + 10, hardSide.get(0).atMs(), "hard side");
    }
    return byAttempt;
  }

  /** The provider's schedule: each missed attempt ends 3.55 s in, then waits 1, 2, 4... s. */
  private static final class BirthdayAttempts {
    static final int MAX = 6;

    static long startMs(int attempt) {
      long start = 0;
      long backoff = 1000;
      for (int i = 1; i < attempt; i++) {
        start += 3550 + backoff;
        backoff = Math.min(30_000, backoff * 2);
      }
      return start;
    }
  }

  @Test
  void aSeedReplaysTheSameAttemptsAndAnotherSeedDrawsOthers() {
    List<String> moves = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (long seed : new long[] {3, 3, 4}) {
      SimNetwork net = network(seed);
      P2PProvider easy = net.newPeer("easy", NatType.PORT_RESTRICTED);
      P2PProvider hard = net.newPeer("hard", NatType.SYMMETRIC);
      P2PListener listener = net.await(hard.listen("hard"));
      StringBuilder run = new StringBuilder();
      for (int i = 0; i < 20; i++) {
        P2PConnection c = net.await(easy.connect(hard.localPeerId()));
        net.await(listener.accept());
        List<Move> moved = watch(net, c);
        net.runFor(Duration.ofSeconds(5));
        net.await(c.send(new byte[100]));
        run.append(moved).append('\n');
      }
      moves.add(run.toString());
      hashes.add(net.traceHash());
    }
    assertEquals(moves.get(0), moves.get(1));
    assertEquals(hashes.get(0), hashes.get(1));
    assertNotEquals(moves.get(0), moves.get(2), "the attempts are drawn from the seed");
  }
}
