package dev.p2p.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class P2PConfigTest {

  @Test
  void systemPropertiesOverrideEnvironmentAndUnrelatedKeysAreIgnored() {
    Properties props = new Properties();
    props.setProperty("p2p.implementation", "quic");
    props.setProperty("simulator.p2p.latency.ms", "7");
    props.setProperty("user.home", "/nope");
    P2PConfig config =
        P2PConfig.fromEnvironment(
            Map.of(
                "P2P_IMPLEMENTATION", "simulator",
                "SIMULATOR_P2P_SEED", "42",
                "HOME", "/root"),
            props);
    assertEquals(Optional.of("quic"), config.implementation());
    assertEquals(7, config.getInt("SIMULATOR_P2P_LATENCY_MS", 50, 0, 1000));
    assertEquals(42, config.getLong("simulator.p2p.seed", 0, 0, Long.MAX_VALUE));
    assertFalse(config.get("HOME").isPresent());
    assertFalse(config.get("USER_HOME").isPresent());
  }

  @Test
  void defaultsAndTypedErrors() {
    P2PConfig empty = P2PConfig.empty();
    assertEquals(16 * 1024 * 1024, empty.maxMessageSize());
    assertEquals(
        Duration.ofMillis(5),
        empty.getMillis("X_P2P_T", Duration.ofMillis(5), Duration.ZERO, Duration.ofDays(1)));
    P2PConfig bad =
        P2PConfig.builder()
            .set("SIMULATOR_P2P_PACKET_LOSS", "1.5")
            .set("P2P_MAX_MESSAGE_SIZE", "ten")
            .build();
    ConfigurationException loss =
        assertThrows(
            ConfigurationException.class,
            () -> bad.getDouble("SIMULATOR_P2P_PACKET_LOSS", 0.01, 0, 1));
    assertTrue(loss.getMessage().contains("SIMULATOR_P2P_PACKET_LOSS"), loss.getMessage());
    assertTrue(loss.getMessage().contains("from 0.0 to 1.0"), loss.getMessage());
    assertThrows(ConfigurationException.class, bad::maxMessageSize);
  }

  @Test
  void builderIsIndependentOfBuiltConfig() {
    P2PConfig.Builder builder = P2PConfig.builder().implementation("simulator");
    P2PConfig first = builder.build();
    builder.implementation("tunnel").maxMessageSize(10);
    assertEquals(Optional.of("simulator"), first.implementation());
    assertEquals(10, builder.build().maxMessageSize());
    assertEquals(first, first.toBuilder().build());
    assertFalse(first.toString().contains("simulator"), "values are not printed");
  }

  @Test
  void unknownProviderNameListsAvailableOnes() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> P2P.open(P2PConfig.builder().implementation("nope").build()));
    assertTrue(e.getMessage().contains("unknown P2P implementation 'nope'"), e.getMessage());
    assertTrue(e.getMessage().contains("available:"), e.getMessage());
  }
}
