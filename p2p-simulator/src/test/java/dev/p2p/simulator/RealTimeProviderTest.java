package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code P2P.open()} with the simulator gives a self-driving network where join() works. */
class RealTimeProviderTest {

  @Test
  void simulatorIsFoundByServiceLoaderAndWorksWithPlainJoin() throws Exception {
    assertTrue(P2P.providers().contains("simulator"), P2P.providers().toString());
    P2PConfig config =
        P2PConfig.builder()
            .implementation("simulator")
            .set("SIMULATOR_P2P_LATENCY_MS", "5")
            .set("SIMULATOR_P2P_FAILURE_RATE", "0")
            .set("SIMULATOR_P2P_SEED", "99")
            .build();
    try (P2PProvider server = P2P.open(config);
        P2PProvider client = P2P.open(config)) {
      assertEquals("simulator", server.name());
      P2PListener listener = server.listen("demo").get(5, TimeUnit.SECONDS);
      P2PConnection c = client.connect(server.localPeerId()).get(5, TimeUnit.SECONDS);
      P2PConnection s = listener.accept().get(5, TimeUnit.SECONDS);
      for (int i = 0; i < 50; i++) {
        c.send(new byte[] {(byte) i}).get(5, TimeUnit.SECONDS);
      }
      for (int i = 0; i < 50; i++) {
        assertArrayEquals(new byte[] {(byte) i}, s.recv().get(5, TimeUnit.SECONDS));
      }
      long rttMs = c.stats().rtt().toMillis();
      assertTrue(rttMs >= 10 && rttMs < 1000, "rtt " + rttMs);
    }
    // The clock thread ends with the last provider of its network.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (clockThreadAlive() && System.nanoTime() < deadline) {
      Thread.sleep(10); // a real thread is ending; no virtual time involved
    }
    assertFalse(clockThreadAlive());
  }

  private static boolean clockThreadAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("p2p-simulator-clock") && t.isAlive());
  }
}
