package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.io.PrintWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the peer commands get their connection: the waiting side (listen, send) listens and prints a
 * ticket; the dialling side (connect, receive) dials one. Either way the connection is announced
 * the same, with the path it is on.
 */
final class Connections {
  private static final long LISTEN_TIMEOUT_SECONDS = 30;

  /** Beyond the longest connect timeout a provider accepts (P2P_CONNECT_TIMEOUT_MS). */
  private static final long CONNECT_BACKSTOP_MINUTES = 6;

  private Connections() {}

  /** Listens and prints the peer id, the address and the ticket to give the other side. */
  static P2PListener listen(P2PProvider provider, String address, PrintWriter out)
      throws Exception {
    P2PListener listener = provider.listen(address).get(LISTEN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    out.printf("peer id    %s%n", provider.localPeerId());
    out.printf("listening  %s%n", listener.localAddr());
    out.printf("ticket     %s%n", listener.peerAddress().toTicket());
    out.flush();
    return listener;
  }

  /**
   * The next incoming connection, announced. A server waits for its next peer as long as it runs;
   * the wait still wakes up regularly.
   */
  static P2PConnection accept(P2PListener listener, PrintWriter out) throws Exception {
    CompletableFuture<P2PConnection> accept = listener.accept();
    for (; ; ) {
      try {
        return announce(accept.get(1, TimeUnit.SECONDS), out);
      } catch (TimeoutException e) {
        // keep waiting on the same future: abandoning it could drop a connection
      }
    }
  }

  /**
   * Dials a ticket and announces the connection.
   *
   * @throws IllegalArgumentException if the ticket is malformed (before any network work)
   */
  static P2PConnection dial(P2PProvider provider, PeerAddress peer, PrintWriter out)
      throws Exception {
    return announce(provider.connect(peer).get(CONNECT_BACKSTOP_MINUTES, TimeUnit.MINUTES), out);
  }

  private static P2PConnection announce(P2PConnection c, PrintWriter out) {
    synchronized (out) {
      out.printf("connected  %s%n", c.peerId());
      out.flush();
    }
    PathReport.watch(c, out);
    return c;
  }
}
