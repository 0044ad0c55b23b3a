package dev.p2p.simulator.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.p2p.api.PathType;
import dev.p2p.simulator.NatType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerConnectionsTest {

  /** Positive numbers add connection n % 40 (if absent), negative ones remove -n % 40. */
  @Test
  void keepsInsertionOrderThroughAnyAddsAndRemoves() {
    SimCore core = new SimCore(SimSettings.defaults());
    SimPeer peer = core.topology().newPeer("a", NatType.OPEN);
    SimPeer other = core.topology().newPeer("b", NatType.OPEN);
    List<SimConnection> pool = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      pool.add(new SimConnection(core, peer, other.slot, i, true, PathType.DIRECT));
    }
    qt().forAll(lists().of(integers().between(-100, 100)).ofSizeBetween(0, 400))
        .checkAssert(
            ops -> {
              PeerConnections list = new PeerConnections();
              LinkedHashSet<SimConnection> model = new LinkedHashSet<>();
              for (int op : ops) {
                SimConnection c = pool.get(Math.abs(op) % pool.size());
                if (op >= 0) {
                  if (model.add(c)) {
                    list.add(c);
                  }
                } else {
                  model.remove(c);
                  list.remove(c); // also when absent: must change nothing
                }
                assertEquals(new ArrayList<>(model), list.snapshot());
              }
              list.clear();
              assertEquals(List.of(), list.snapshot());
            });
    core.close();
  }
}
