package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {

  @Test
  void defaults() {
    TransportSettings s = TransportSettings.defaults();
    assertEquals(Duration.ofSeconds(10), s.connectTimeout());
    assertEquals(Duration.ofSeconds(15), s.keepAlive());
    assertEquals(Duration.ofSeconds(30), s.idleTimeout());
    assertEquals(Duration.ofSeconds(5), s.closeLinger());
    assertEquals(P2PConfig.DEFAULT_MAX_MESSAGE_SIZE, s.maxMessageSize());
  }

  @Test
  void eachSharedKeyIsRead() {
    TransportSettings s =
        TransportSettings.from(
            P2PConfig.builder()
                .set("p2p.connect.timeout.ms", "250")
                .set("P2P_KEEPALIVE_MS", "100")
                .set("P2P_IDLE_TIMEOUT_MS", "300")
                .set("P2P_CLOSE_LINGER_MS", "0")
                .set("P2P_MAX_MESSAGE_SIZE", "4096")
                .build());
    assertEquals(
        new TransportSettings(
            Duration.ofMillis(250),
            Duration.ofMillis(100),
            Duration.ofMillis(300),
            Duration.ZERO,
            4096),
        s);
  }

  @Test
  void aKeepAliveNotBelowTheIdleTimeoutIsRefusedWithAFix() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                TransportSettings.from(
                    P2PConfig.builder()
                        .set("P2P_KEEPALIVE_MS", "30000")
                        .set("P2P_IDLE_TIMEOUT_MS", "30000")
                        .build()));
    assertTrue(e.getMessage().contains("P2P_KEEPALIVE_MS"), e.getMessage());
    ConfigurationException range =
        assertThrows(
            ConfigurationException.class,
            () ->
                TransportSettings.from(
                    P2PConfig.builder().set("P2P_CLOSE_LINGER_MS", "-1").build()));
    assertTrue(range.getMessage().contains("P2P_CLOSE_LINGER_MS"), range.getMessage());
  }
}
