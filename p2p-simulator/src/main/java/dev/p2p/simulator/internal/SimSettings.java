package dev.p2p.simulator.internal;

import dev.p2p.api.P2PConfig;
import dev.p2p.core.TransportSettings;
import dev.p2p.simulator.LinkConditions;
import java.time.Duration;

/**
 * Everything a network is built from. Made by {@code SimNetwork.Builder} or parsed from a {@link
 * P2PConfig}; a malformed value fails with a message naming the variable and its range. The
 * settings every provider shares (connect, keep-alive and idle timeouts, close linger, message
 * size) come from {@link TransportSettings} under their one {@code P2P_*} key each; only what is
 * really simulated has a {@code SIMULATOR_P2P_*} key.
 */
public record SimSettings(
    long seed,
    LinkConditions defaultLink,
    double failureRate,
    int maxMessageSize,
    Duration idleTimeout,
    Duration keepAlive,
    Duration connectTimeout,
    Duration closeLinger,
    Duration relayLatency,
    Duration awaitTimeout,
    int traceCapacity,
    boolean realTime) {

  public static final String LATENCY_MS = "SIMULATOR_P2P_LATENCY_MS";
  public static final String JITTER_MS = "SIMULATOR_P2P_JITTER_MS";
  public static final String PACKET_LOSS = "SIMULATOR_P2P_PACKET_LOSS";
  public static final String FAILURE_RATE = "SIMULATOR_P2P_FAILURE_RATE";
  public static final String BANDWIDTH_BPS = "SIMULATOR_P2P_BANDWIDTH_BPS";
  public static final String DUPLICATE = "SIMULATOR_P2P_DUPLICATE";
  public static final String REORDER = "SIMULATOR_P2P_REORDER";
  public static final String SEED = "SIMULATOR_P2P_SEED";
  public static final String RELAY_LATENCY_MS = "SIMULATOR_P2P_RELAY_LATENCY_MS";
  public static final String TRACE_LINES = "SIMULATOR_P2P_TRACE_LINES";

  public static final long DEFAULT_SEED = 0x5eed;
  public static final double DEFAULT_FAILURE_RATE = 0.001;
  private static final Duration HOUR = Duration.ofHours(1);

  /** The defaults the environment variables document. */
  public static SimSettings defaults() {
    return new SimSettings(
        DEFAULT_SEED,
        LinkConditions.defaults(),
        DEFAULT_FAILURE_RATE,
        P2PConfig.DEFAULT_MAX_MESSAGE_SIZE,
        TransportSettings.DEFAULT_IDLE_TIMEOUT,
        TransportSettings.DEFAULT_KEEPALIVE,
        TransportSettings.DEFAULT_CONNECT_TIMEOUT,
        TransportSettings.DEFAULT_CLOSE_LINGER,
        Duration.ofMillis(20),
        HOUR,
        0,
        false);
  }

  /** Reads every simulator key of {@code config}, falling back to {@link #defaults()}. */
  public static SimSettings from(P2PConfig config) {
    SimSettings d = defaults();
    Duration max = HOUR;
    LinkConditions link =
        new LinkConditions(
            config.getMillis(LATENCY_MS, d.defaultLink.latency(), Duration.ZERO, max),
            config.getMillis(JITTER_MS, d.defaultLink.jitter(), Duration.ZERO, max),
            config.getDouble(PACKET_LOSS, d.defaultLink.loss(), 0, 1),
            config.getDouble(DUPLICATE, 0, 0, 1),
            config.getDouble(REORDER, 0, 0, 1),
            config.getLong(BANDWIDTH_BPS, 0, 0, 1_000_000_000_000L));
    TransportSettings shared = TransportSettings.from(config);
    return new SimSettings(
        config.getLong(SEED, d.seed, Long.MIN_VALUE, Long.MAX_VALUE),
        link,
        config.getDouble(FAILURE_RATE, d.failureRate, 0, 1),
        shared.maxMessageSize(),
        shared.idleTimeout(),
        shared.keepAlive(),
        shared.connectTimeout(),
        shared.closeLinger(),
        config.getMillis(RELAY_LATENCY_MS, d.relayLatency, Duration.ZERO, max),
        d.awaitTimeout,
        config.getInt(TRACE_LINES, 0, 0, 10_000_000),
        false);
  }

  public SimSettings withRealTime(boolean value) {
    Mutable m = toMutable();
    m.realTime = value;
    return m.build();
  }

  public Mutable toMutable() {
    Mutable m = new Mutable();
    m.seed = seed;
    m.defaultLink = defaultLink;
    m.failureRate = failureRate;
    m.maxMessageSize = maxMessageSize;
    m.idleTimeout = idleTimeout;
    m.keepAlive = keepAlive;
    m.connectTimeout = connectTimeout;
    m.closeLinger = closeLinger;
    m.relayLatency = relayLatency;
    m.awaitTimeout = awaitTimeout;
    m.traceCapacity = traceCapacity;
    m.realTime = realTime;
    return m;
  }

  /** The settings under construction, for builders. */
  public static final class Mutable {
    public long seed;
    public LinkConditions defaultLink;
    public double failureRate;
    public int maxMessageSize;
    public Duration idleTimeout;
    public Duration keepAlive;
    public Duration connectTimeout;
    public Duration closeLinger;
    public Duration relayLatency;
    public Duration awaitTimeout;
    public int traceCapacity;
    public boolean realTime;

    public SimSettings build() {
      return new SimSettings(
          seed,
          defaultLink,
          failureRate,
          maxMessageSize,
          idleTimeout,
          keepAlive,
          connectTimeout,
          closeLinger,
          relayLatency,
          awaitTimeout,
          traceCapacity,
          realTime);
    }
  }
}
