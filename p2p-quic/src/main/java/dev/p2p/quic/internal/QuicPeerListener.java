package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.core.AcceptQueue;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** Hands out the provider's authenticated incoming connections. */
final class QuicPeerListener implements P2PListener {
  /** Authenticated connections nobody has accepted yet; more are refused. */
  static final int BACKLOG = 256;

  private final QuicP2PProvider provider;
  private final InetSocketAddress bound;
  private final AcceptQueue<P2PConnection> queue = new AcceptQueue<>(BACKLOG);
  private volatile boolean closed;

  QuicPeerListener(QuicP2PProvider provider, InetSocketAddress bound) {
    this.provider = provider;
    this.bound = bound;
  }

  /** False if the connection cannot be taken (closed or backlog full). */
  boolean offer(QuicPeerChannel connection) {
    return queue.offer(connection);
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public CompletableFuture<P2PConnection> accept() {
    return queue.accept();
  }

  @Override
  public String localAddr() {
    String host = bound.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
  }

  /**
   * The provider's id, its home relay (lowest latency now) and the bound address, a wildcard
   * expanded to this host's addresses (none when relay-only).
   */
  @Override
  public PeerAddress peerAddress() {
    java.net.URI home = provider.homeRelay();
    return new PeerAddress(
        provider.localPeerId(),
        java.util.Optional.ofNullable(home),
        provider.settings().relay().policy().relayOnly()
            ? java.util.List.of()
            : LocalAddresses.reachable(bound));
  }

  @Override
  public void close() {
    closed = true;
    queue
        .close(() -> new ConnectionClosedException("listener on " + localAddr() + " is closed"))
        .forEach(P2PConnection::close);
    provider.listenerClosed(this);
  }

  @Override
  public String toString() {
    return "QuicPeerListener[" + localAddr() + "]";
  }
}
