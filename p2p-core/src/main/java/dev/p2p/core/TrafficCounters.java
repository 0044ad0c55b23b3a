package dev.p2p.core;

import dev.p2p.api.ConnectionStats;
import dev.p2p.api.PathType;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * A connection's application traffic, counted from any thread; produces {@link ConnectionStats}.
 */
public final class TrafficCounters {
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder messagesSent = new LongAdder();
  private final LongAdder bytesReceived = new LongAdder();
  private final LongAdder messagesReceived = new LongAdder();

  /** A message of this many payload bytes was accepted by {@code send}. */
  public void sent(int bytes) {
    bytesSent.add(bytes);
    messagesSent.increment();
  }

  /** A message of this many payload bytes arrived for the application. */
  public void received(int bytes) {
    bytesReceived.add(bytes);
    messagesReceived.increment();
  }

  public long messagesSent() {
    return messagesSent.sum();
  }

  public long bytesSent() {
    return bytesSent.sum();
  }

  public long messagesReceived() {
    return messagesReceived.sum();
  }

  public long bytesReceived() {
    return bytesReceived.sum();
  }

  /** A snapshot with what the transport measured. */
  public ConnectionStats stats(Duration rtt, double packetLoss, PathType path) {
    return new ConnectionStats(
        rtt,
        bytesSent.sum(),
        bytesReceived.sum(),
        messagesSent.sum(),
        messagesReceived.sum(),
        packetLoss,
        path);
  }
}
