package dev.p2p.cli;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Prints the path a connection is on ({@code path direct 127.0.0.1:4433}, {@code path relayed via
 * http://relay:3340}) and a line for each change, with its reason, on stdout.
 */
final class PathReport implements ConnectionListener {
  private final PrintWriter out;
  private Path last;

  private PathReport(PrintWriter out) {
    this.out = out;
  }

  /** Prints the connection's path now and watches it for changes, as long as it lives. */
  static void watch(P2PConnection c, PrintWriter out) {
    PathReport report = new PathReport(out);
    // Listening first: a change between the two is printed, never missed.
    c.addListener(report);
    report.print(c.path(), null);
  }

  @Override
  public void pathChanged(PathChangeEvent e) {
    print(e.current(), e.reason());
  }

  private void print(Path p, String reason) {
    synchronized (out) {
      if (p.equals(last)) {
        return;
      }
      last = p;
      out.printf("path       %s%s%n", describe(p), reason == null ? "" : " (" + reason + ")");
      out.flush();
    }
  }

  /** {@code direct 198.18.0.2:4433}, {@code relayed via http://host:3340}. */
  static String describe(Path p) {
    StringBuilder s = new StringBuilder(p.type().name().toLowerCase(Locale.ROOT));
    p.address()
        .ifPresent(a -> s.append(' ').append(a.getHostString()).append(':').append(a.getPort()));
    p.relay().ifPresent(r -> s.append(" via ").append(r));
    return s.toString();
  }
}
