package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code P2P_QUIC_BUSY_POLL_US}; the strategy itself is tested beside it in p2p-relay. */
class QuicBusyPollSettingTest {
  @Test
  void thePollPeriodIsConfigurableAndRangeChecked() {
    assertEquals(
        TimeUnit.MICROSECONDS.toNanos(50),
        QuicSettings.from(P2PConfig.empty()).busyPoll().toNanos(),
        "default");
    assertEquals(
        0,
        QuicSettings.from(P2PConfig.builder().set(QuicSettings.QUIC_BUSY_POLL_US, "0").build())
            .busyPoll()
            .toNanos());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                QuicSettings.from(
                    P2PConfig.builder().set(QuicSettings.QUIC_BUSY_POLL_US, "20000").build()));
    assertTrue(e.getMessage().contains(QuicSettings.QUIC_BUSY_POLL_US), e.getMessage());
  }
}
