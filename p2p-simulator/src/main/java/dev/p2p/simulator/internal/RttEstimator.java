package dev.p2p.simulator.internal;

/** RFC 6298 smoothed RTT and retransmission timeout, in virtual nanoseconds. */
final class RttEstimator {
  private static final long GRANULARITY = 1_000_000L; // 1 ms
  private static final long MAX_RTO = 60_000_000_000L;

  private long smoothed = -1;
  private long variance;
  private final long initialRto;
  private int backoff;

  RttEstimator(long nominalRtt) {
    // Before the first sample, assume a little worse than the link promises.
    this.initialRto = Math.max(3 * nominalRtt, 10 * GRANULARITY);
  }

  void sample(long rtt) {
    if (rtt < 0) {
      return;
    }
    if (smoothed < 0) {
      smoothed = rtt;
      variance = rtt / 2;
    } else {
      variance = (3 * variance + Math.abs(smoothed - rtt)) / 4;
      smoothed = (7 * smoothed + rtt) / 8;
    }
  }

  /** The smoothed RTT, 0 before any sample. */
  long smoothed() {
    return Math.max(0, smoothed);
  }

  /** The retransmission timeout, doubled per consecutive timeout. */
  long rto() {
    long base = smoothed < 0 ? initialRto : smoothed + Math.max(4 * variance, GRANULARITY);
    return Math.min(MAX_RTO, base << Math.min(backoff, 20));
  }

  void timedOut() {
    backoff = Math.min(backoff + 1, 20);
  }

  void progressed() {
    backoff = 0;
  }
}
