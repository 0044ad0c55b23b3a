package dev.p2p.benchmarks.link;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConfig;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** LinkBenchmark's {@code --jvm-args "-Dp2p.*"} must reach the child's provider settings. */
class LinkPeerConfigTest {
  private static P2PConfig environment(String property, String value) {
    Properties p = new Properties();
    p.setProperty(property, value);
    return P2PConfig.fromEnvironment(Map.of(), p);
  }

  @Test
  void aJvmPropertyReachesTheProvider() {
    P2PConfig c =
        LinkPeer.config(
            environment("p2p.quic.busy.poll.us", "0"),
            new String[] {"provider-recv", "-", "P2P_IMPLEMENTATION=quic"},
            2);
    assertEquals("0", c.get("P2P_QUIC_BUSY_POLL_US").orElse(null));
    assertEquals("quic", c.implementation().orElse(null));
  }

  @Test
  void theRowsOwnArgumentsWin() {
    P2PConfig c =
        LinkPeer.config(
            environment("p2p.relay.only", "false"),
            new String[] {"provider-send", "P2P_RELAY_ONLY=true"},
            1);
    assertEquals("true", c.get("P2P_RELAY_ONLY").orElse(null));
  }
}
