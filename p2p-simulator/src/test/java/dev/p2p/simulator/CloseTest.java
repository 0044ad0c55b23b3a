package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code closeFuture()} and {@code P2PProvider.close()} with its linger. */
class CloseTest {

  private static SimNetwork network(double loss, Duration linger) {
    return SimNetwork.builder()
        .seed(9)
        .failureRate(0)
        .maxMessageSize(1 << 20)
        .closeLinger(linger)
        .defaultLink(
            LinkConditions.PERFECT
                .withLatency(Duration.ofMillis(20))
                .withJitter(Duration.ofMillis(5))
                .withLoss(loss))
        .build();
  }

  private static List<Integer> readAll(SimPair pair, P2PConnection c) {
    List<Integer> got = new ArrayList<>();
    while (true) {
      try {
        got.add(SimPair.index(pair.net.await(c.recv())));
      } catch (ConnectionClosedException e) {
        return got;
      }
    }
  }

  private static Throwable failure(SimNetwork net, CompletableFuture<?> f) {
    return assertThrows(ConnectionClosedException.class, () -> net.await(f));
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.3})
  void closeFutureCompletesOnceEverythingWasAcknowledged(double loss) {
    SimPair pair = new SimPair(network(loss, Duration.ofSeconds(5)));
    for (int i = 0; i < 300; i++) {
      pair.aliceToBob.send(SimPair.message(i, 2000));
    }
    pair.aliceToBob.close();
    CompletableFuture<Void> closed = pair.aliceToBob.closeFuture();
    pair.net.await(closed); // normal completion, or this throws
    assertEquals(300, pair.bobFromAlice.stats().messagesReceived(), "acknowledged = delivered");
    assertEquals(300, readAll(pair, pair.bobFromAlice).size());
    pair.net.await(pair.bobFromAlice.closeFuture()); // the peer's end closed cleanly too
  }

  @Test
  void closeFutureFailsSayingWhatWasLostWhenThePeerVanishesMidTransfer() {
    SimPair pair = new SimPair(network(0, Duration.ofSeconds(5)));
    for (int i = 0; i < 200; i++) {
      pair.aliceToBob.send(SimPair.message(i, 64 * 1024));
    }
    pair.net.runFor(Duration.ofMillis(10)); // the first window on the wire, none of it arrived
    pair.net.crash(pair.bob.localPeerId());
    pair.aliceToBob.close();
    Throwable e = failure(pair.net, pair.aliceToBob.closeFuture());
    assertTrue(
        e.getMessage().matches(".*; 64 messages \\(4194304 bytes\\) sent were not acknowledged.*"),
        e.getMessage());
  }

  @Test
  void closeFutureFailsWhenTheConnectionIsReset() {
    SimPair pair = new SimPair(network(0, Duration.ZERO));
    pair.aliceToBob.send(SimPair.message(0, 10));
    pair.alice.close(); // linger 0: reset at once
    Throwable mine = failure(pair.net, pair.aliceToBob.closeFuture());
    assertTrue(mine.getMessage().contains("P2P_CLOSE_LINGER_MS"), mine.getMessage());
    Throwable theirs = failure(pair.net, pair.bobFromAlice.closeFuture());
    assertTrue(theirs.getMessage().contains("reset"), theirs.getMessage());
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.3})
  void providerCloseRightAfterABurstStillDeliversEveryMessage(double loss) {
    SimPair pair = new SimPair(network(loss, Duration.ofSeconds(5)));
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      sends.add(pair.aliceToBob.send(SimPair.message(i, 100)));
    }
    pair.alice.close(); // runs virtual time until the closes are acknowledged
    assertTrue(pair.aliceToBob.closeFuture().isDone(), "close() returned after the close");
    pair.net.await(pair.aliceToBob.closeFuture());
    assertTrue(sends.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
    List<Integer> got = readAll(pair, pair.bobFromAlice);
    assertEquals(1000, got.size());
    for (int i = 0; i < got.size(); i++) {
      assertEquals(i, got.get(i));
    }
  }

  @Test
  void providerCloseGivesUpAfterTheLingerAndResets() {
    SimPair pair = new SimPair(network(0, Duration.ofSeconds(2)));
    pair.net.partition(pair.alice, pair.bob);
    pair.aliceToBob.send(SimPair.message(0, 10));
    Duration before = pair.net.now();
    pair.alice.close();
    Duration waited = pair.net.now().minus(before);
    assertEquals(Duration.ofSeconds(2), waited, "virtual time passed: exactly the linger");
    Throwable e = failure(pair.net, pair.aliceToBob.closeFuture());
    assertTrue(e.getMessage().contains("1 message (10 bytes)"), e.getMessage());
  }

  @Test
  void providerCloseFromASimulationCallbackDoesNotHangAndStillDelivers() {
    SimPair pair = new SimPair(network(0.3, Duration.ofSeconds(5)));
    for (int i = 0; i < 100; i++) {
      pair.aliceToBob.send(SimPair.message(i, 100));
    }
    pair.net.schedule(Duration.ZERO, pair.alice::close);
    pair.net.runUntilIdle();
    pair.net.await(pair.aliceToBob.closeFuture());
    assertEquals(100, readAll(pair, pair.bobFromAlice).size());
  }
}
