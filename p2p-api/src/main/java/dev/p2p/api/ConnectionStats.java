package dev.p2p.api;

import java.time.Duration;
import java.util.Objects;

/**
 * A snapshot of what a connection has measured so far.
 *
 * @param rtt the smoothed round-trip time of the current path, {@link Duration#ZERO} before any
 *     sample
 * @param bytesSent application payload bytes accepted by {@code send}
 * @param bytesReceived application payload bytes handed to {@code recv}
 * @param messagesSent messages accepted by {@code send}
 * @param messagesReceived messages handed out by {@code recv} or queued for it
 * @param packetLoss the fraction of packets the transport lost, 0 to 1
 * @param path the path currently in use
 */
public record ConnectionStats(
    Duration rtt,
    long bytesSent,
    long bytesReceived,
    long messagesSent,
    long messagesReceived,
    double packetLoss,
    PathType path) {

  public ConnectionStats {
    Objects.requireNonNull(rtt, "rtt");
    Objects.requireNonNull(path, "path");
    if (packetLoss < 0 || packetLoss > 1 || Double.isNaN(packetLoss)) {
      throw new IllegalArgumentException("packetLoss must be within 0..1, got " + packetLoss);
    }
  }
}
