package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link SimNetwork#fromEnvironment()} reads every documented variable by observing its
 * effect, set through the system-property form (which overrides the environment). The environment
 * form goes through the same {@link P2PConfig#fromEnvironment(Map, Properties)} path, tested last.
 */
class EnvironmentConfigTest {
  private final List<String> set = new ArrayList<>();

  private SimNetwork withProperties(String... keyValues) {
    for (int i = 0; i < keyValues.length; i += 2) {
      String property = keyValues[i].toLowerCase().replace('_', '.');
      System.setProperty(property, keyValues[i + 1]);
      set.add(property);
    }
    // A failure rate of 0 unless the test is about it, so connects are predictable.
    if (!System.getProperties().containsKey("simulator.p2p.failure.rate")) {
      System.setProperty("simulator.p2p.failure.rate", "0");
      set.add("simulator.p2p.failure.rate");
    }
    return SimNetwork.fromEnvironment();
  }

  @AfterEach
  void clear() {
    set.forEach(System::clearProperty);
  }

  @Test
  void latency() {
    SimPair pair =
        new SimPair(
            withProperties("SIMULATOR_P2P_LATENCY_MS", "40", "SIMULATOR_P2P_PACKET_LOSS", "0"));
    assertEquals(80, pair.aliceToBob.stats().rtt().toMillis());
  }

  @Test
  void jitter() {
    SimPair pair =
        new SimPair(
            withProperties(
                "SIMULATOR_P2P_LATENCY_MS",
                "10",
                "SIMULATOR_P2P_JITTER_MS",
                "30",
                "SIMULATOR_P2P_PACKET_LOSS",
                "0"));
    List<Duration> arrivals = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      pair.aliceToBob.send(new byte[1], Delivery.UNRELIABLE);
    }
    for (int i = 0; i < 20; i++) {
      pair.net.await(pair.bobFromAlice.recv());
      arrivals.add(pair.net.now());
    }
    Duration spread = arrivals.get(19).minus(arrivals.get(0));
    assertTrue(spread.toMillis() >= 10 && spread.toMillis() <= 30, spread.toString());
  }

  @Test
  void packetLoss() {
    SimPair pair = new SimPair(withProperties("SIMULATOR_P2P_PACKET_LOSS", "0.5"));
    for (int i = 0; i < 1000; i++) {
      pair.aliceToBob.send(new byte[1], Delivery.UNRELIABLE);
    }
    pair.net.runUntilIdle();
    double loss = pair.aliceToBob.stats().packetLoss();
    assertTrue(loss > 0.45 && loss < 0.55, "loss " + loss);
  }

  @Test
  void failureRate() {
    SimNetwork net = withProperties("SIMULATOR_P2P_FAILURE_RATE", "1");
    assertThrows(ConnectionFailedException.class, () -> new SimPair(net));
  }

  @Test
  void bandwidth() {
    // 80,000 bit/s = 10,000 bytes/s: 20 messages of 1,000 bytes need about two seconds.
    SimPair pair =
        new SimPair(
            withProperties(
                "SIMULATOR_P2P_BANDWIDTH_BPS",
                "80000",
                "SIMULATOR_P2P_LATENCY_MS",
                "1",
                "SIMULATOR_P2P_PACKET_LOSS",
                "0"));
    Duration start = pair.net.now();
    for (int i = 0; i < 20; i++) {
      pair.aliceToBob.send(new byte[1000]);
    }
    for (int i = 0; i < 20; i++) {
      pair.net.await(pair.bobFromAlice.recv());
    }
    long ms = pair.net.now().minus(start).toMillis();
    assertTrue(ms >= 2000 && ms < 2300, ms + " ms");
  }

  @Test
  void duplicate() {
    SimPair pair =
        new SimPair(
            withProperties("SIMULATOR_P2P_DUPLICATE", "1", "SIMULATOR_P2P_PACKET_LOSS", "0"));
    for (int i = 0; i < 10; i++) {
      pair.aliceToBob.send(new byte[1], Delivery.UNRELIABLE);
    }
    pair.net.runUntilIdle();
    assertEquals(20, pair.bobFromAlice.stats().messagesReceived());
  }

  @Test
  void reorder() {
    SimPair pair =
        new SimPair(withProperties("SIMULATOR_P2P_REORDER", "1", "SIMULATOR_P2P_PACKET_LOSS", "0"));
    for (int i = 0; i < 50; i++) {
      pair.aliceToBob.send(SimPair.message(i, 4), Delivery.UNRELIABLE);
    }
    int outOfOrder = 0;
    int last = -1;
    for (int i = 0; i < 50; i++) {
      int index = SimPair.index(pair.net.await(pair.bobFromAlice.recv()));
      outOfOrder += index < last ? 1 : 0;
      last = index;
    }
    assertTrue(outOfOrder > 5, "only " + outOfOrder + " reordered");
  }

  @Test
  void seed() {
    String defaultId = withProperties().newPeer("x").localPeerId().toString();
    String seededId =
        withProperties("SIMULATOR_P2P_SEED", "123").newPeer("x").localPeerId().toString();
    assertNotEquals(defaultId, seededId);
    assertEquals(
        seededId,
        withProperties("SIMULATOR_P2P_SEED", "123").newPeer("x").localPeerId().toString());
  }

  @Test
  void maxMessageSize() {
    SimPair pair = new SimPair(withProperties("P2P_MAX_MESSAGE_SIZE", "1000"));
    MessageTooLargeException e =
        assertThrows(
            MessageTooLargeException.class,
            () -> pair.net.await(pair.aliceToBob.send(new byte[1001])));
    assertEquals(1000, e.limit());
    pair.net.await(pair.aliceToBob.send(new byte[1000]));
    assertEquals(1000, pair.net.await(pair.bobFromAlice.recv()).length);
  }

  @Test
  void malformedValuesFailAtStartNamingVariableAndRange() {
    Map<String, Supplier<SimNetwork>> cases = new HashMap<>();
    cases.put("SIMULATOR_P2P_PACKET_LOSS", () -> withProperties("SIMULATOR_P2P_PACKET_LOSS", "2"));
    cases.put("SIMULATOR_P2P_LATENCY_MS", () -> withProperties("SIMULATOR_P2P_LATENCY_MS", "fast"));
    cases.put("SIMULATOR_P2P_SEED", () -> withProperties("SIMULATOR_P2P_SEED", "0x12"));
    for (Map.Entry<String, Supplier<SimNetwork>> c : cases.entrySet()) {
      ConfigurationException e = assertThrows(ConfigurationException.class, c.getValue()::get);
      assertTrue(e.getMessage().startsWith(c.getKey()), e.getMessage());
      assertTrue(e.getMessage().contains("must be"), e.getMessage());
      clear();
      set.clear();
    }
  }

  @Test
  void environmentVariablesAreReadWhenNoPropertyOverridesThem() {
    Map<String, String> env =
        Map.of(
            "SIMULATOR_P2P_LATENCY_MS",
            "7",
            "SIMULATOR_P2P_PACKET_LOSS",
            "0",
            "SIMULATOR_P2P_FAILURE_RATE",
            "0");
    SimPair pair =
        new SimPair(SimNetwork.fromConfig(P2PConfig.fromEnvironment(env, new Properties())));
    assertEquals(14, pair.aliceToBob.stats().rtt().toMillis());
    Properties override = new Properties();
    override.setProperty("simulator.p2p.latency.ms", "9");
    SimPair overridden =
        new SimPair(SimNetwork.fromConfig(P2PConfig.fromEnvironment(env, override)));
    assertEquals(18, overridden.aliceToBob.stats().rtt().toMillis());
  }
}
