package dev.p2p.cli;

import java.io.PrintWriter;

/** The progress of a transfer off a terminal: nothing while it runs, one line when it is done. */
final class SummaryProgress implements Progress {
  private final String verb;
  private final PrintWriter err;
  private final long start = System.nanoTime();

  SummaryProgress(String verb, PrintWriter err) {
    this.verb = verb;
    this.err = err;
  }

  @Override
  public void update(long bytes) {}

  @Override
  public void finish(long bytes) {
    double seconds = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
    err.printf(
        "%-10s %d bytes in %.2f s (%.1f MB/s)%n", verb, bytes, seconds, bytes / seconds / 1e6);
    err.flush();
  }

  @Override
  public void close() {}
}
