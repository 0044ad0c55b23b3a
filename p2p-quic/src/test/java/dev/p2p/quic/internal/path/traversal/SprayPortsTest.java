package dev.p2p.quic.internal.path.traversal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The spray's ports are distinct and in the NAT's range, for any seed, over the whole range. */
class SprayPortsTest {
  @Test
  void everyPortOfTheRangeOnceInARandomOrder() {
    for (long seed = 0; seed < 20; seed++) {
      SprayPorts ports = new SprayPorts(new Random(seed));
      Set<Integer> seen = new HashSet<>();
      for (int i = 0; i < SprayPorts.COUNT; i++) {
        int p = ports.next();
        assertTrue(p >= 1024 && p <= 65535, "port " + p);
        assertTrue(seen.add(p), "port " + p + " twice (seed " + seed + ")");
      }
      assertEquals(SprayPorts.COUNT, ports.used());
    }
  }
}
