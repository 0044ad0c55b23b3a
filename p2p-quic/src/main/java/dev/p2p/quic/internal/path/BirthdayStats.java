package dev.p2p.quic.internal.path;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * What birthday probing has spent and won in one provider, for diagnostics, tests and the lab's
 * report.
 *
 * @param attempts attempts started (hard and easy side)
 * @param successes attempts that ended on a confirmed direct path
 * @param probesSent pings sent by attempts (hard: one per socket; easy: the spray)
 * @param socketsOpened extra sockets bound
 * @param socketsOpen extra sockets open now
 * @param lastCpuNanos CPU time of the event-loop thread over the last ended attempt (everything it
 *     ran meanwhile, socket set-up and teardown included; -1 where the JVM cannot tell)
 * @param lastElapsedNanos how long the last ended attempt took until it succeeded or gave up
 */
public record BirthdayStats(
    long attempts,
    long successes,
    long probesSent,
    long socketsOpened,
    int socketsOpen,
    long lastCpuNanos,
    long lastElapsedNanos) {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  static long threadCpuNanos() {
    return THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
  }

  /** Written on the event loop, read from any thread. */
  static final class Counter {
    private volatile long attempts;
    private volatile long successes;
    private volatile long probesSent;
    private volatile long socketsOpened;
    private volatile long lastCpuNanos = -1;
    private volatile long lastElapsedNanos;

    void attemptStarted(Object role) {
      attempts++;
    }

    void attemptEnded(boolean success, long elapsed, long cpu) {
      if (success) {
        successes++;
      }
      lastElapsedNanos = elapsed;
      lastCpuNanos = cpu;
    }

    void probeSent() {
      probesSent++;
    }

    void socketOpened() {
      socketsOpened++;
    }

    BirthdayStats snapshot(int open) {
      return new BirthdayStats(
          attempts, successes, probesSent, socketsOpened, open, lastCpuNanos, lastElapsedNanos);
    }
  }
}
