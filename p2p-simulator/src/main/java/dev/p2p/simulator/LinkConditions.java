package dev.p2p.simulator;

import java.time.Duration;
import java.util.Objects;

/**
 * What one direction of a simulated link does to packets.
 *
 * @param latency one-way propagation delay
 * @param jitter extra delay drawn uniformly from 0 to this, per packet (can reorder packets)
 * @param loss probability that a packet is lost, 0 to 1
 * @param duplicate probability that a packet is delivered twice, 0 to 1
 * @param reorder probability that a packet is held back by up to twice the latency, 0 to 1
 * @param bandwidthBitsPerSecond link capacity; packets queue behind each other; 0 means unlimited
 */
public record LinkConditions(
    Duration latency,
    Duration jitter,
    double loss,
    double duplicate,
    double reorder,
    long bandwidthBitsPerSecond) {

  /** No delay, no loss, unlimited bandwidth. */
  public static final LinkConditions PERFECT =
      new LinkConditions(Duration.ZERO, Duration.ZERO, 0, 0, 0, 0);

  public LinkConditions {
    Objects.requireNonNull(latency, "latency");
    Objects.requireNonNull(jitter, "jitter");
    if (latency.isNegative() || jitter.isNegative()) {
      throw new IllegalArgumentException("latency and jitter must not be negative");
    }
    checkProbability("loss", loss);
    checkProbability("duplicate", duplicate);
    checkProbability("reorder", reorder);
    if (bandwidthBitsPerSecond < 0) {
      throw new IllegalArgumentException("bandwidth must be 0 (unlimited) or positive");
    }
  }

  /** The default link of the environment variables: 50 ms, 1% loss. */
  public static LinkConditions defaults() {
    return new LinkConditions(Duration.ofMillis(50), Duration.ZERO, 0.01, 0, 0, 0);
  }

  public LinkConditions withLatency(Duration value) {
    return new LinkConditions(value, jitter, loss, duplicate, reorder, bandwidthBitsPerSecond);
  }

  public LinkConditions withJitter(Duration value) {
    return new LinkConditions(latency, value, loss, duplicate, reorder, bandwidthBitsPerSecond);
  }

  public LinkConditions withLoss(double value) {
    return new LinkConditions(latency, jitter, value, duplicate, reorder, bandwidthBitsPerSecond);
  }

  public LinkConditions withDuplicate(double value) {
    return new LinkConditions(latency, jitter, loss, value, reorder, bandwidthBitsPerSecond);
  }

  public LinkConditions withReorder(double value) {
    return new LinkConditions(latency, jitter, loss, duplicate, value, bandwidthBitsPerSecond);
  }

  public LinkConditions withBandwidth(long bitsPerSecond) {
    return new LinkConditions(latency, jitter, loss, duplicate, reorder, bitsPerSecond);
  }

  private static void checkProbability(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " must be a probability from 0 to 1, got " + p);
    }
  }
}
