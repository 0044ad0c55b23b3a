package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import java.io.PrintWriter;

/**
 * Shows how a transfer goes: a live bar on a terminal, one summary line at the end on a pipe or a
 * file (where a bar's carriage returns would be noise).
 */
interface Progress extends AutoCloseable {

  /** {@code bytes} of the total are done. */
  void update(long bytes);

  /** The transfer succeeded with {@code bytes}: completes the bar, or prints the summary line. */
  void finish(long bytes);

  /** Stops drawing (after {@link #finish} or a failure, which its caller reports). */
  @Override
  void close();

  /**
   * A bar showing the connection's path when stderr is likely a terminal, else a summary line on
   * {@code err}.
   *
   * @param verb what the summary says was done ("sent", "received")
   */
  static Progress create(String task, String verb, long total, PrintWriter err, P2PConnection c) {
    return Terminals.interactive()
        ? new TerminalProgress(task, total, () -> PathReport.describe(c.path()))
        : new SummaryProgress(verb, err);
  }
}
