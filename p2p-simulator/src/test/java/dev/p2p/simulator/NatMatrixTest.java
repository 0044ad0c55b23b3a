package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NatMatrixTest {

  @Test
  void everyNatPairGetsThePathHolePunchingCouldAchieve() {
    for (NatType a : NatType.values()) {
      for (NatType b : NatType.values()) {
        SimNetwork net =
            SimNetwork.builder()
                .seed(1)
                .failureRate(0)
                .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(10)))
                .relayLatency(Duration.ofMillis(30))
                .build();
        SimPair pair = new SimPair(net, a, b);
        List<PathChangeEvent> changes = new ArrayList<>();
        pair.aliceToBob.addListener(
            new ConnectionListener() {
              @Override
              public void pathChanged(PathChangeEvent event) {
                changes.add(event);
              }
            });
        boolean bothOpen = a == NatType.OPEN && b == NatType.OPEN;
        PathType first = pair.aliceToBob.stats().path();
        assertEquals(bothOpen ? PathType.DIRECT : PathType.RELAYED, first, a + " x " + b);
        net.runFor(Duration.ofSeconds(1));
        PathType expected = NatType.canPunch(a, b) ? PathType.DIRECT : PathType.RELAYED;
        assertEquals(expected, pair.aliceToBob.stats().path(), a + " x " + b);
        assertEquals(expected, pair.bobFromAlice.stats().path(), a + " x " + b);
        assertEquals(
            !bothOpen && expected == PathType.DIRECT ? 1 : 0, changes.size(), a + " x " + b);

        // The relay's extra latency shows in the measured RTT.
        for (int i = 0; i < 20; i++) {
          net.await(pair.aliceToBob.send(new byte[8]));
          net.await(pair.bobFromAlice.recv());
        }
        net.runFor(Duration.ofSeconds(1));
        long rttMs = pair.aliceToBob.stats().rtt().toMillis();
        long want = expected == PathType.DIRECT ? 20 : 80;
        assertTrue(Math.abs(rttMs - want) <= 5, a + " x " + b + " rtt " + rttMs + " want " + want);
      }
    }
  }

  @Test
  void matrixIsSymmetricAndMatchesTheDocumentedTable() {
    int relayed = 0;
    for (NatType a : NatType.values()) {
      for (NatType b : NatType.values()) {
        assertEquals(NatType.canPunch(a, b), NatType.canPunch(b, a));
        relayed += NatType.canPunch(a, b) ? 0 : 1;
      }
    }
    // symmetric x port-restricted (both orders) and symmetric x symmetric
    assertEquals(3, relayed);
  }
}
