package dev.p2p.tunnel.server.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * INFO lines for rejections, timeouts and kicks, at most {@code perSecond} a second for each
 * reason; the rest are counted and reported once as "suppressed K similar", so a flood of bad
 * clients cannot fill a disk. Thread-safe.
 */
public final class RateLimitedLog {
  /** Where the lines go; the server's SLF4J logger, or a list in tests. */
  @FunctionalInterface
  public interface Sink {
    void info(String line);
  }

  private static final long WINDOW = TimeUnit.SECONDS.toNanos(1);

  private static final class Budget {
    long windowStart;
    int logged;
    long suppressed;
  }

  private final Sink sink;
  private final int perSecond;
  private final LongSupplier ticker;
  private final Map<String, Budget> budgets = new HashMap<>(); // guarded by this

  public RateLimitedLog(Sink sink, int perSecond, LongSupplier ticker) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("perSecond must be at least 1, got " + perSecond);
    }
    this.sink = sink;
    this.perSecond = perSecond;
    this.ticker = ticker;
  }

  public static RateLimitedLog of(Logger log, LongSupplier ticker) {
    return new RateLimitedLog(log::info, 10, ticker);
  }

  /**
   * Logs {@code line} unless {@code reason} already had its lines this second.
   *
   * @param reason the kind of event (a fixed word such as "idle-timeout"), never client data, so
   *     the number of budgets stays small
   */
  public void info(String reason, String line) {
    String summary = null;
    boolean emit;
    synchronized (this) {
      long now = ticker.getAsLong();
      Budget b = budgets.computeIfAbsent(reason, r -> new Budget());
      if (now - b.windowStart >= WINDOW || b.logged == 0 && b.suppressed == 0) {
        summary = summaryOf(reason, b);
        b.windowStart = now;
        b.logged = 0;
      }
      emit = b.logged < perSecond;
      if (emit) {
        b.logged++;
      } else {
        b.suppressed++;
      }
    }
    if (summary != null) {
      sink.info(summary);
    }
    if (emit) {
      sink.info(line);
    }
  }

  /** Reports what was suppressed in windows that have ended; the server calls it periodically. */
  public void flush() {
    List<String> lines = new ArrayList<>();
    synchronized (this) {
      long now = ticker.getAsLong();
      for (Map.Entry<String, Budget> e : budgets.entrySet()) {
        Budget b = e.getValue();
        if (b.suppressed > 0 && now - b.windowStart >= WINDOW) {
          lines.add(summaryOf(e.getKey(), b));
        }
      }
    }
    for (String line : lines) {
      sink.info(line);
    }
  }

  /** The summary of a budget's suppressed lines, resetting the count; null if none. */
  private static String summaryOf(String reason, Budget b) {
    if (b.suppressed == 0) {
      return null;
    }
    String s = "suppressed " + b.suppressed + " similar lines (" + reason + ")";
    b.suppressed = 0;
    return s;
  }
}
