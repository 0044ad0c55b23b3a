package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class PathReportTest {
  private static final Path DIRECT = Path.direct(new InetSocketAddress("198.18.0.2", 4433));
  private static final Path RELAYED = Path.relayed(URI.create("http://relay.example:3340"));

  @Test
  void describesEachKindOfPath() {
    assertEquals("direct 198.18.0.2:4433", PathReport.describe(DIRECT));
    assertEquals("relayed via http://relay.example:3340", PathReport.describe(RELAYED));
    assertEquals("direct", PathReport.describe(Path.direct()));
    assertEquals("relayed", PathReport.describe(Path.relayed()));
  }

  @Test
  void printsThePathNowAndEachChangeWithItsReasonOnce() {
    AtomicReference<Path> now = new AtomicReference<>(DIRECT);
    List<ConnectionListener> listeners = new ArrayList<>();
    P2PConnection c = connection(now, listeners);
    StringWriter out = new StringWriter();
    PathReport.watch(c, new PrintWriter(out, true));
    PeerId peer = Ed25519Identity.generate().peerId();
    listeners.forEach(
        l -> l.pathChanged(new PathChangeEvent(peer, DIRECT, RELAYED, "direct path timed out")));
    listeners.forEach(
        l -> l.pathChanged(new PathChangeEvent(peer, DIRECT, RELAYED, "duplicate, not a change")));
    listeners.forEach(
        l -> l.pathChanged(new PathChangeEvent(peer, RELAYED, DIRECT, "hole punch succeeded")));
    assertEquals(
        "path       direct 198.18.0.2:4433\n"
            + "path       relayed via http://relay.example:3340 (direct path timed out)\n"
            + "path       direct 198.18.0.2:4433 (hole punch succeeded)\n",
        out.toString().replace(System.lineSeparator(), "\n"));
  }

  /** A connection that answers path() and collects listeners; nothing else is called. */
  private static P2PConnection connection(
      AtomicReference<Path> path, List<ConnectionListener> listeners) {
    return (P2PConnection)
        Proxy.newProxyInstance(
            P2PConnection.class.getClassLoader(),
            new Class<?>[] {P2PConnection.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "path" -> path.get();
                  case "addListener" -> {
                    listeners.add((ConnectionListener) args[0]);
                    yield null;
                  }
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }
}
