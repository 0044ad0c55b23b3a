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
  /**
   * The documented table (NatType's javadoc, the top README's "NAT traversal" table, the kernel
   * lab's cells): D = direct by a plain punch, B = direct by birthday probing, R = relayed. Rows
   * and columns in {@link NatType} order: OPEN, FULL_CONE, ADDRESS_RESTRICTED, PORT_RESTRICTED,
   * SYMMETRIC.
   */
  private static final String[] TABLE = {
    "DDDDD", //
    "DDDDD", //
    "DDDDD", //
    "DDDDB", //
    "DDDBR",
  };

  private static char cell(NatType a, NatType b) {
    return TABLE[a.ordinal()].charAt(b.ordinal());
  }

  @Test
  void everyNatPairGetsThePathTheTableSays() {
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
        // Past a plain punch (one relayed round trip) and a first birthday attempt's spray (1.75
        // s).
        net.runFor(Duration.ofSeconds(2));
        PathType expected = cell(a, b) == 'R' ? PathType.RELAYED : PathType.DIRECT;
        assertEquals(expected, pair.aliceToBob.stats().path(), a + " x " + b);
        assertEquals(expected, pair.bobFromAlice.stats().path(), a + " x " + b);
        assertEquals(
            !bothOpen && expected == PathType.DIRECT ? 1 : 0, changes.size(), a + " x " + b);
        if (!changes.isEmpty()) {
          String why = changes.get(0).reason();
          assertEquals(
              cell(a, b) == 'B', why.startsWith("birthday probing"), a + " x " + b + ": " + why);
        }

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
  void canPunchIsTheDocumentedTable() {
    for (NatType a : NatType.values()) {
      for (NatType b : NatType.values()) {
        assertEquals(cell(a, b) != 'R', NatType.canPunch(a, b), a + " x " + b);
        assertEquals(cell(a, b), cell(b, a), "the table is symmetric");
      }
    }
  }
}
