package dev.p2p.core;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import java.time.Duration;

/**
 * The settings every provider shares, one key each, read and range-checked once. Provider-specific
 * keys ({@code P2P_QUIC_*}, {@code P2P_TUNNEL_*}, {@code SIMULATOR_P2P_*}) are only for what is
 * really specific to one transport.
 *
 * @param connectTimeout how long a connection attempt may take before it fails with {@code
 *     P2PTimeoutException}
 * @param keepAlive how often an idle connection proves it is alive
 * @param idleTimeout silence from the peer after which it is declared gone
 * @param closeLinger how long {@code P2PProvider.close()} waits for graceful closes; zero resets at
 *     once
 * @param maxMessageSize the largest message in bytes
 */
public record TransportSettings(
    Duration connectTimeout,
    Duration keepAlive,
    Duration idleTimeout,
    Duration closeLinger,
    int maxMessageSize) {

  public static final String CONNECT_TIMEOUT_MS = "P2P_CONNECT_TIMEOUT_MS";
  public static final String KEEPALIVE_MS = "P2P_KEEPALIVE_MS";
  public static final String IDLE_TIMEOUT_MS = "P2P_IDLE_TIMEOUT_MS";
  public static final String CLOSE_LINGER_MS = "P2P_CLOSE_LINGER_MS";
  public static final String MAX_MESSAGE_SIZE = P2PConfig.MAX_MESSAGE_SIZE;

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(15);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_CLOSE_LINGER = Duration.ofSeconds(5);

  // Virtual-time tests run with millisecond timers, so the floors are low; the ceilings catch
  // typos.
  private static final Duration MIN = Duration.ofMillis(1);
  private static final Duration MAX = Duration.ofHours(1);

  /** The defaults, as {@link #from(P2PConfig)} of an empty configuration. */
  public static TransportSettings defaults() {
    return from(P2PConfig.empty());
  }

  /**
   * Reads a configuration.
   *
   * @throws ConfigurationException naming the key and the accepted range, or when the keep-alive is
   *     not shorter than the idle timeout (a quiet connection would then be declared gone)
   */
  public static TransportSettings from(P2PConfig config) {
    TransportSettings s =
        new TransportSettings(
            config.getMillis(CONNECT_TIMEOUT_MS, DEFAULT_CONNECT_TIMEOUT, MIN, MAX),
            config.getMillis(KEEPALIVE_MS, DEFAULT_KEEPALIVE, MIN, MAX),
            config.getMillis(IDLE_TIMEOUT_MS, DEFAULT_IDLE_TIMEOUT, MIN, MAX),
            config.getMillis(CLOSE_LINGER_MS, DEFAULT_CLOSE_LINGER, Duration.ZERO, MAX),
            config.maxMessageSize());
    if (s.keepAlive.compareTo(s.idleTimeout) >= 0) {
      throw new ConfigurationException(
          KEEPALIVE_MS
              + " ("
              + s.keepAlive.toMillis()
              + ") must be shorter than "
              + IDLE_TIMEOUT_MS
              + " ("
              + s.idleTimeout.toMillis()
              + "): lower the keep-alive or raise the idle timeout");
    }
    return s;
  }
}
