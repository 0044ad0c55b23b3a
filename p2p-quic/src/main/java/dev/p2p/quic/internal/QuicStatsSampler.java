package dev.p2p.quic.internal;

import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The round-trip time and loss QUIC measured for one connection. Sampled on the event loop; the
 * last sample stays readable after the connection closed.
 */
final class QuicStatsSampler {
  private static final Logger log = LoggerFactory.getLogger(QuicStatsSampler.class);

  private final QuicChannel quic;
  private volatile Duration rtt = Duration.ZERO;
  private volatile double loss;

  QuicStatsSampler(QuicChannel quic) {
    this.quic = quic;
  }

  /** Takes a fresh sample: on the loop directly, from elsewhere through it (bounded wait). */
  void refreshFromAnyThread() {
    if (quic.eventLoop().inEventLoop()) {
      refresh();
    } else if (quic.isActive()) {
      try {
        quic.eventLoop().submit(this::refresh).get(1, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.debug("stats refresh failed; returning the last sample", e);
      }
    }
  }

  /** Loop. */
  void refresh() {
    if (!quic.isActive()) {
      return;
    }
    io.netty.util.concurrent.Future<QuicConnectionStats> cs = quic.collectStats();
    if (cs.isSuccess()) {
      QuicConnectionStats c = cs.getNow();
      loss = c.sent() == 0 ? 0 : Math.min(1.0, (double) c.lost() / c.sent());
    }
    io.netty.util.concurrent.Future<QuicConnectionPathStats> ps = quic.collectPathStats(0);
    if (ps.isSuccess()) {
      QuicConnectionPathStats p = ps.getNow();
      rtt = Duration.ofNanos(p.rtt());
      if (log.isDebugEnabled()) {
        // What path MTU discovery settled on, and the packets it gave (benchmarks read this).
        log.debug(
            "path pmtu {} B, sent {} packets / {} B, lost {}, cwnd {} B",
            p.pmtu(),
            p.sent(),
            p.sentBytes(),
            p.lost(),
            p.cwnd());
      }
    }
  }

  Duration rtt() {
    return rtt;
  }

  double loss() {
    return loss;
  }
}
