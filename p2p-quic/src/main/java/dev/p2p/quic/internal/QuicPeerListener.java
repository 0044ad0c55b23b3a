package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Hands out the provider's authenticated incoming connections. */
final class QuicPeerListener implements P2PListener {
  /** Authenticated connections nobody has accepted yet; more are refused. */
  static final int BACKLOG = 256;

  private final QuicP2PProvider provider;
  private final InetSocketAddress bound;
  private final ArrayDeque<QuicPeerChannel> ready = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<P2PConnection>> waiting = new ArrayDeque<>();
  private boolean closed;

  QuicPeerListener(QuicP2PProvider provider, InetSocketAddress bound) {
    this.provider = provider;
    this.bound = bound;
  }

  InetSocketAddress boundAddress() {
    return bound;
  }

  /** False if the connection cannot be taken (closed or backlog full). */
  boolean offer(QuicPeerChannel connection) {
    CompletableFuture<P2PConnection> receiver;
    synchronized (this) {
      if (closed) {
        return false;
      }
      receiver = waiting.poll();
      if (receiver == null) {
        if (ready.size() >= BACKLOG) {
          return false;
        }
        ready.add(connection);
        return true;
      }
    }
    if (!receiver.complete(connection)) {
      return offer(connection); // the waiter gave up; keep the connection for the next one
    }
    return true;
  }

  synchronized boolean isClosed() {
    return closed;
  }

  @Override
  public CompletableFuture<P2PConnection> accept() {
    synchronized (this) {
      QuicPeerChannel c = ready.poll();
      if (c != null) {
        return CompletableFuture.completedFuture(c);
      }
      if (closed) {
        return CompletableFuture.failedFuture(
            new ConnectionClosedException("listener on " + localAddr() + " is closed"));
      }
      CompletableFuture<P2PConnection> f = new CompletableFuture<>();
      waiting.add(f);
      return f;
    }
  }

  @Override
  public String localAddr() {
    String host = bound.getAddress().getHostAddress();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + bound.getPort();
  }

  /** The provider's id and the bound address, a wildcard expanded to this host's addresses. */
  @Override
  public PeerAddress peerAddress() {
    return PeerAddress.of(provider.localPeerId(), LocalAddresses.reachable(bound));
  }

  @Override
  public void close() {
    List<CompletableFuture<P2PConnection>> toFail;
    List<QuicPeerChannel> unaccepted;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toFail = List.copyOf(waiting);
      waiting.clear();
      unaccepted = List.copyOf(ready);
      ready.clear();
    }
    ConnectionClosedException ex =
        new ConnectionClosedException("listener on " + localAddr() + " was closed");
    toFail.forEach(f -> f.completeExceptionally(ex));
    unaccepted.forEach(QuicPeerChannel::close);
    provider.listenerClosed(this);
  }

  @Override
  public String toString() {
    return "QuicPeerListener[" + localAddr() + "]";
  }
}
