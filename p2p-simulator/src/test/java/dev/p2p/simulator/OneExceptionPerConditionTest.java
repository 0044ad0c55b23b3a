package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The exception types every provider uses for the same condition, and what path() says. */
class OneExceptionPerConditionTest {
  private final SimNetwork net =
      SimNetwork.builder()
          .seed(3)
          .failureRate(0)
          .connectTimeout(Duration.ofSeconds(2))
          .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(10)))
          .build();

  @Test
  void connectThatRunsOutOfTimeIsATimeout() {
    P2PProvider alice = net.newPeer("alice");
    P2PProvider bob = net.newPeer("bob");
    net.partition(alice, bob);
    P2PTimeoutException e =
        assertThrows(P2PTimeoutException.class, () -> net.await(alice.connect(bob.localPeerId())));
    assertTrue(e.getMessage().contains("P2P_CONNECT_TIMEOUT_MS"), e.getMessage());
    assertEquals(Duration.ofSeconds(2), net.now());
  }

  @Test
  void refusedIsConnectionFailedUnknownIsPeerNotFound() {
    P2PProvider alice = net.newPeer("alice");
    P2PProvider bob = net.newPeer("bob"); // not listening
    assertThrows(
        ConnectionFailedException.class, () -> net.await(alice.connect(bob.localPeerId())));
    PeerId nobody = SimNetwork.builder().seed(99).build().newPeer("nobody").localPeerId();
    assertThrows(PeerNotFoundException.class, () -> net.await(alice.connect(nobody)));
  }

  @Test
  void listeningTwiceIsAMisuse() {
    P2PProvider bob = net.newPeer("bob");
    net.await(bob.listen("a"));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> net.await(bob.listen("b")));
    assertTrue(e.getMessage().contains("close that listener first"), e.getMessage());
  }

  @Test
  void pathsNameTheSimulatedRelayAndPathChangesCarryPaths() {
    SimPair pair = new SimPair(net, NatType.FULL_CONE, NatType.FULL_CONE);
    List<PathChangeEvent> changes = new ArrayList<>();
    pair.aliceToBob.addListener(
        new dev.p2p.api.ConnectionListener() {
          @Override
          public void pathChanged(PathChangeEvent event) {
            changes.add(event);
          }
        });
    Path relayed = Path.relayed(URI.create("sim://relay"));
    assertEquals(relayed, pair.aliceToBob.path());
    net.runUntilIdle(); // the hole punch
    assertEquals(Path.direct(), pair.aliceToBob.path());
    assertEquals(PathType.DIRECT, pair.aliceToBob.stats().path());
    assertEquals(1, changes.size());
    assertEquals(relayed, changes.get(0).previous());
    assertEquals(Path.direct(), changes.get(0).current());
  }
}
