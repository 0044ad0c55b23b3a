package dev.p2p.core;

import dev.p2p.api.ConnectionStats;
import dev.p2p.api.PathType;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A connection's application traffic; produces {@link ConnectionStats}, read from any thread. Sends
 * are counted from any thread. Receptions come from the transport's one receiving thread at a time
 * (the same rule as {@link Inbox#offer}), so they are plain reads and ordered stores, no atomic
 * read-modify-write per message.
 */
public final class TrafficCounters {
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder messagesSent = new LongAdder();
  private final AtomicLong bytesReceived = new AtomicLong();
  private final AtomicLong messagesReceived = new AtomicLong();

  /** A message of this many payload bytes was accepted by {@code send}. */
  public void sent(int bytes) {
    bytesSent.add(bytes);
    messagesSent.increment();
  }

  /**
   * A message of this many payload bytes arrived for the application. One thread at a time: the
   * transport's receiving thread.
   */
  public void received(int bytes) {
    bytesReceived.lazySet(bytesReceived.get() + bytes);
    messagesReceived.lazySet(messagesReceived.get() + 1);
  }

  public long messagesSent() {
    return messagesSent.sum();
  }

  public long bytesSent() {
    return bytesSent.sum();
  }

  public long messagesReceived() {
    return messagesReceived.get();
  }

  public long bytesReceived() {
    return bytesReceived.get();
  }

  /** A snapshot with what the transport measured. */
  public ConnectionStats stats(Duration rtt, double packetLoss, PathType path) {
    return new ConnectionStats(
        rtt,
        bytesSent.sum(),
        bytesReceived.get(),
        messagesSent.sum(),
        messagesReceived.get(),
        packetLoss,
        path);
  }
}
