package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The relay and path settings: defaults, normalised URLs, and typed errors that say what to do. */
class RelaySettingsTest {
  private static RelaySettings read(String... kv) {
    P2PConfig.Builder b = P2PConfig.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.set(kv[i], kv[i + 1]);
    }
    return RelaySettings.from(b.build());
  }

  @Test
  void defaults() {
    RelaySettings s = read();
    assertEquals(List.of(), s.servers());
    assertEquals("", s.token());
    assertFalse(s.policy().relayOnly());
    assertFalse(s.policy().directOnly());
    assertEquals(Duration.ofSeconds(3), s.policy().pathTimeout());
    assertEquals(Duration.ofSeconds(2), s.policy().probeInterval());
    assertTrue(s.batches(), "relay protocol 2 by default");
    assertFalse(read("P2P_RELAY_BATCHES", "0").batches());
  }

  @Test
  void relayUrlsAreNormalisedAndDeduplicated() {
    RelaySettings s =
        read(
            "P2P_RELAY_SERVERS",
            " HTTP://Relay.Example:3340/ , https://relay.example, http://relay.example:3340");
    assertEquals(
        List.of(URI.create("http://relay.example:3340"), URI.create("https://relay.example:443")),
        s.servers());
  }

  @Test
  void badRelayUrlsFailWithAnExample() {
    for (String bad :
        List.of(
            "relay.example:3340", "ws://relay.example:1", "http://", "http://h:1/relay", "::")) {
      ConfigurationException e =
          assertThrows(ConfigurationException.class, () -> read("P2P_RELAY_SERVERS", bad), bad);
      assertTrue(e.getMessage().startsWith("P2P_RELAY_SERVERS must be"), e.getMessage());
      assertTrue(e.getMessage().contains("http://relay.example.com:3340"), e.getMessage());
    }
  }

  @Test
  void relayOnlyAndDirectOnlyExcludeEachOther() {
    assertTrue(read("P2P_RELAY_ONLY", "true").policy().relayOnly());
    assertTrue(read("P2P_DIRECT_ONLY", "1").policy().directOnly());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () -> read("P2P_RELAY_ONLY", "true", "P2P_DIRECT_ONLY", "true"));
    assertTrue(e.getMessage().contains("set at most one"), e.getMessage());
    ConfigurationException flag =
        assertThrows(ConfigurationException.class, () -> read("P2P_RELAY_ONLY", "maybe"));
    assertTrue(flag.getMessage().contains("true or false"), flag.getMessage());
  }

  @Test
  void pathTimersAreRangeChecked() {
    assertThrows(ConfigurationException.class, () -> read("P2P_PATH_TIMEOUT_MS", "10"));
    assertThrows(ConfigurationException.class, () -> read("P2P_PATH_PROBE_MS", "soon"));
    assertEquals(Duration.ofMillis(900), read("P2P_PATH_TIMEOUT_MS", "900").policy().pathTimeout());
  }

  @Test
  void theRelaySocketsReceiveBufferIsBoundedByDefaultAndSettable() {
    assertEquals(256 << 10, read().receiveBuffer());
    assertEquals(0, read("P2P_RELAY_RECEIVE_BUFFER", "0").receiveBuffer(), "kernel autotuning");
    assertEquals(4 << 20, read("P2P_RELAY_RECEIVE_BUFFER", "4194304").receiveBuffer());
    ConfigurationException small =
        assertThrows(ConfigurationException.class, () -> read("P2P_RELAY_RECEIVE_BUFFER", "1000"));
    assertTrue(small.getMessage().contains("65536"), small.getMessage());
    assertThrows(ConfigurationException.class, () -> read("P2P_RELAY_RECEIVE_BUFFER", "-1"));
  }
}
