package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class FaultTest {

  private static SimNetwork network(long seed) {
    return SimNetwork.builder()
        .seed(seed)
        .defaultLink(LinkConditions.defaults().withLatency(Duration.ofMillis(25)).withLoss(0.05))
        .failureRate(0)
        .build();
  }

  @Test
  void partitionShorterThanIdleTimeoutLosesNoReliableMessage() {
    qt().withExamples(25)
        .forAll(longs().all(), integers().between(0, 25_000), integers().between(1, 3))
        .checkAssert(
            (seed, partitionMs, mode) -> {
              SimPair pair = new SimPair(network(seed));
              int count = 200;
              for (int i = 0; i < count; i++) {
                pair.aliceToBob.send(SimPair.message(i, 64));
                pair.bobFromAlice.send(SimPair.message(i, 64));
                if (i == 60) {
                  switch (mode) {
                    case 1 -> pair.net.partition(pair.alice, pair.bob);
                    case 2 ->
                        pair.net.partitionOneWay(
                            List.of(pair.alice.localPeerId()), List.of(pair.bob.localPeerId()));
                    default ->
                        pair.net.partitionOneWay(
                            List.of(pair.bob.localPeerId()), List.of(pair.alice.localPeerId()));
                  }
                  pair.net.runFor(Duration.ofMillis(partitionMs));
                  pair.net.heal();
                }
              }
              for (int i = 0; i < count; i++) {
                assertEquals(
                    i, SimPair.index(pair.net.await(pair.bobFromAlice.recv())), "seed " + seed);
                assertEquals(
                    i, SimPair.index(pair.net.await(pair.aliceToBob.recv())), "seed " + seed);
              }
              assertTrue(pair.aliceToBob.isConnected() && pair.bobFromAlice.isConnected());
              pair.net.runUntilIdle(); // keep-alives stop once the network is healthy again
            });
  }

  @Test
  void partitionLongerThanIdleTimeoutClosesBothEnds() {
    SimPair pair = new SimPair(network(3));
    CompletableFuture<byte[]> pending = pair.bobFromAlice.recv();
    pair.net.partition(pair.alice, pair.bob);
    Duration before = pair.net.now();
    ConnectionClosedException e =
        assertThrows(ConnectionClosedException.class, () -> pair.net.await(pending));
    assertTrue(e.getMessage().contains("idle timeout"), e.getMessage());
    Duration detected = pair.net.now().minus(before);
    assertTrue(detected.compareTo(Duration.ofSeconds(30)) >= 0, detected.toString());
    assertTrue(detected.compareTo(Duration.ofSeconds(31)) < 0, detected.toString());
    pair.net.runUntilIdle();
    assertEquals(ConnectionState.CLOSED, pair.aliceToBob.state());
  }

  @Test
  void crashIsNoticedAfterIdleTimeoutAndRestartKeepsTheId() {
    SimPair pair = new SimPair(network(4));
    CompletableFuture<byte[]> pending = pair.aliceToBob.recv();
    Duration before = pair.net.now();
    pair.net.crash(pair.bob.localPeerId());
    assertThrows(ConnectionClosedException.class, () -> pair.net.await(pair.bobFromAlice.recv()));
    assertThrows(ConnectionClosedException.class, () -> pair.net.await(pending));
    Duration detected = pair.net.now().minus(before);
    assertTrue(detected.compareTo(Duration.ofSeconds(30)) >= 0, detected.toString());

    // A crashed peer cannot be dialled: the attempt times out, the same type on every provider.
    assertThrows(
        P2PTimeoutException.class,
        () -> pair.net.await(pair.alice.connect(pair.bob.localPeerId())));

    P2PProvider bob = pair.net.restart(pair.bob.localPeerId());
    assertEquals(pair.bob.localPeerId(), bob.localPeerId());
    P2PListener listener = pair.net.await(bob.listen("again"));
    P2PConnection c = pair.net.await(pair.alice.connect(bob.localPeerId()));
    P2PConnection accepted = pair.net.await(listener.accept());
    pair.net.await(c.send(new byte[] {42}));
    assertEquals(42, pair.net.await(accepted.recv())[0]);
  }

  @Test
  void restartWhileConnectedResetsTheOldConnection() {
    SimPair pair = new SimPair(network(5));
    pair.net.restart(pair.bob.localPeerId());
    pair.net.await(pair.aliceToBob.send(new byte[10]));
    ConnectionClosedException e =
        assertThrows(ConnectionClosedException.class, () -> pair.net.await(pair.aliceToBob.recv()));
    assertTrue(e.getMessage().contains("reset"), e.getMessage());
  }

  @Test
  void connectionAttemptsFailAtTheConfiguredRate() {
    SimNetwork net = SimNetwork.builder().seed(9).failureRate(0.25).build();
    P2PProvider a = net.newPeer("a");
    P2PProvider b = net.newPeer("b");
    net.await(b.listen(""));
    int failed = 0;
    for (int i = 0; i < 400; i++) {
      try {
        net.await(a.connect(b.localPeerId())).close();
      } catch (ConnectionFailedException e) {
        assertTrue(e.getMessage().contains("SIMULATOR_P2P_FAILURE_RATE"), e.getMessage());
        failed++;
      }
    }
    assertTrue(failed > 60 && failed < 140, "failed " + failed + " of 400 at rate 0.25");
  }

  @Test
  void awaitingSomethingThatCanNeverHappenFailsFast() {
    SimNetwork net = SimNetwork.builder().seed(1).failureRate(0).build();
    P2PProvider a = net.newPeer("a");
    P2PListener l = net.await(a.listen(""));
    P2PTimeoutException e = assertThrows(P2PTimeoutException.class, () -> net.await(l.accept()));
    assertTrue(e.getMessage().contains("ran out of events"), e.getMessage());
  }
}
