package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Hands out connections the tunnel server brought in. Its address is the server's. */
final class TunnelListener implements P2PListener {
  /** Incoming connections nobody accepted yet; beyond this, requests are refused. */
  static final int BACKLOG = 128;

  private final TunnelProvider provider;
  private final String localAddr;
  private final PeerAddress peerAddress;
  private final ArrayDeque<TunnelConnection> ready = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<P2PConnection>> waiters = new ArrayDeque<>();
  private boolean closed;

  TunnelListener(TunnelProvider provider, String localAddr, PeerAddress peerAddress) {
    this.provider = provider;
    this.localAddr = localAddr;
    this.peerAddress = peerAddress;
  }

  /** Offers a new connection; false if closed or the backlog is full. */
  boolean offer(TunnelConnection connection) {
    CompletableFuture<P2PConnection> waiter;
    synchronized (this) {
      if (closed) {
        return false;
      }
      waiter = waiters.poll();
      if (waiter == null) {
        if (ready.size() >= BACKLOG) {
          return false;
        }
        ready.add(connection);
        return true;
      }
    }
    waiter.complete(connection);
    return true;
  }

  @Override
  public CompletableFuture<P2PConnection> accept() {
    synchronized (this) {
      TunnelConnection next = ready.poll();
      if (next != null) {
        return CompletableFuture.completedFuture(next);
      }
      if (closed) {
        return CompletableFuture.failedFuture(closedError());
      }
      CompletableFuture<P2PConnection> f = new CompletableFuture<>();
      waiters.add(f);
      return f;
    }
  }

  synchronized boolean isOpen() {
    return !closed;
  }

  @Override
  public String localAddr() {
    return localAddr;
  }

  /** The provider's id and the tunnel server as relay ({@code tunnel://host:port}). */
  @Override
  public PeerAddress peerAddress() {
    return peerAddress;
  }

  @Override
  public void close() {
    List<CompletableFuture<P2PConnection>> failing;
    List<TunnelConnection> unaccepted;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      failing = new ArrayList<>(waiters);
      waiters.clear();
      unaccepted = new ArrayList<>(ready);
      ready.clear();
    }
    for (CompletableFuture<P2PConnection> f : failing) {
      f.completeExceptionally(closedError());
    }
    provider.listenerClosed(this, unaccepted);
  }

  private static ConnectionClosedException closedError() {
    return new ConnectionClosedException("the listener is closed; call listen() again to accept");
  }
}
