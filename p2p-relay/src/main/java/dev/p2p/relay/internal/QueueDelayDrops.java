package dev.p2p.relay.internal;

import java.util.concurrent.TimeUnit;

/**
 * When a client's queue drops forwarded packets for delay: CoDel's control law (RFC 8289). Once
 * writes to the client have waited longer than the target for a whole interval, one packet is
 * dropped, then the next after {@code interval / sqrt(count)}, faster while writes stay late, and
 * none once a write is on time again.
 *
 * <p>Why the law and not a drop of every packet offered while late: a relayed QUIC connection
 * treats each drop as a loss, and a tail of drops (every packet for as long as the queue stayed
 * late) took 4-12 % of a bulk transfer's 64 KiB packets through a loopback relay (1,300-3,200
 * {@code queue_delay} drops per 512 MiB, every one of QUIC's losses), each sent again through both
 * TCP legs and the relay. One drop per interval is the signal a congestion controller needs (5-12
 * drops per 512 MiB); a sender that ignores it meets an increasing drop rate, and the queue's
 * packet and byte bounds stay the hard limit. The price is a longer standing queue before the first
 * drop: a bulk transfer's srtt through a loopback relay rose from a median of 7 ms to 12 ms on a
 * loaded machine, where its throughput did not measurably change.
 *
 * <p>Thread safety: {@link #written} runs on the client's loop, {@link #shouldDrop} on any
 * sender's; the fields are volatile and races between two senders only shift one drop by a packet,
 * which the law tolerates (it is a rate, not an accounting). Small: one per logged-in client.
 */
final class QueueDelayDrops {
  /**
   * How long forwarded packets may wait to be written to their client before the queue counts as
   * late (CoDel's target). The queue's byte bound alone is a delay that grows as the reader slows:
   * 4 MiB ahead of a reader taking 25 MB/s is 160 ms, and QUIC, whose acknowledgements wait in the
   * same queue, then measured round trips of 60-220 ms through a loopback relay and let the queue
   * stand (a TCP underlay never loses a packet).
   */
  static final long TARGET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /**
   * How long writes must keep waiting longer than the target before the first drop, and the spacing
   * of the drops after it (CoDel's interval): a burst, a collection pause or a busy CPU delays a
   * few writes, and dropping at the first late write lost packets of a 200-packet burst to a reader
   * that kept up (seen in {@code RelayForwardingTest} on a loaded machine, 13-51 drops).
   */
  static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * A queue that is late again this soon after its last drop resumes near the drop rate it had
   * reached (as CoDel does), so a sender that keeps a standing queue is not given a fresh, slow
   * start each time.
   */
  static final long RESUME_NANOS = 16 * INTERVAL_NANOS;

  private volatile long lateSince; // when writes began to wait past the target; 0: they do not
  private volatile boolean dropping;
  private volatile int count; // drops since dropping began (with the resumed part)
  private volatile long nextDrop;

  /**
   * A queued packet was written at {@code now} after waiting {@code waitedNanos}. Client's loop.
   */
  void written(long now, long waitedNanos) {
    if (waitedNanos <= TARGET_NANOS) {
      lateSince = 0;
      dropping = false;
    } else if (lateSince == 0) {
      lateSince = now | 1; // never 0
    }
  }

  /** Whether a packet offered at {@code now} is dropped for delay (and counted as such here). */
  boolean shouldDrop(long now) {
    long since = lateSince;
    if (since == 0) {
      dropping = false;
      return false;
    }
    if (!dropping) {
      if (now - since < INTERVAL_NANOS) {
        return false;
      }
      int c = count;
      // Resuming soon after the last drop state: start from where it was, less two (RFC 8289).
      count = c > 2 && now - nextDrop < RESUME_NANOS ? c - 2 : 1;
      nextDrop = now + spacing(count);
      dropping = true;
      return true;
    }
    if (now - nextDrop < 0) {
      return false;
    }
    int c = count + 1;
    count = c;
    // From now, not from the missed time: a law behind schedule must not drop a run of packets.
    nextDrop = now + spacing(c);
    return true;
  }

  private static long spacing(int count) {
    return (long) (INTERVAL_NANOS / Math.sqrt(count));
  }
}
