package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Hands incoming in-memory connections to accept() calls, in arrival order. */
final class InMemoryListener implements P2PListener {
  private final InMemoryProvider provider;
  private final String addr;
  private final ArrayDeque<InMemoryConnection> backlog = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<P2PConnection>> waiting = new ArrayDeque<>();
  private boolean closed;

  InMemoryListener(InMemoryProvider provider, String addr) {
    this.provider = provider;
    this.addr = addr;
  }

  boolean offer(InMemoryConnection connection) {
    CompletableFuture<P2PConnection> taker;
    synchronized (this) {
      if (closed && provider.network.fault != Fault.LISTENER_CLOSE_KEEPS_ACCEPTING) {
        return false;
      }
      taker = nextTaker();
      if (taker == null) {
        backlog.add(connection);
        return true;
      }
    }
    provider.execute(() -> handTo(taker, connection));
    return true;
  }

  // An accept() the caller timed out or cancelled is skipped, never handed a connection.
  private CompletableFuture<P2PConnection> nextTaker() {
    CompletableFuture<P2PConnection> taker = waiting.poll();
    while (taker != null
        && taker.isDone()
        && provider.network.fault != Fault.ACCEPT_COMPLETES_TIMED_OUT_FUTURE) {
      taker = waiting.poll();
    }
    return taker;
  }

  // The caller may time the future out between nextTaker() and here: then the next one gets it.
  private void handTo(CompletableFuture<P2PConnection> taker, InMemoryConnection connection) {
    if (taker.complete(connection)
        || provider.network.fault == Fault.ACCEPT_COMPLETES_TIMED_OUT_FUTURE) {
      return;
    }
    CompletableFuture<P2PConnection> next;
    synchronized (this) {
      if (closed) {
        next = null;
      } else {
        next = nextTaker();
        if (next == null) {
          backlog.addFirst(connection);
          return;
        }
      }
    }
    if (next == null) {
      connection.close();
    } else {
      handTo(next, connection);
    }
  }

  @Override
  public synchronized CompletableFuture<P2PConnection> accept() {
    if (closed) {
      return CompletableFuture.failedFuture(new ConnectionClosedException("listener closed"));
    }
    InMemoryConnection ready = backlog.poll();
    if (ready != null) {
      return CompletableFuture.completedFuture(ready);
    }
    CompletableFuture<P2PConnection> taker = new CompletableFuture<>();
    waiting.add(taker);
    return taker;
  }

  @Override
  public String localAddr() {
    return addr;
  }

  @Override
  public PeerAddress peerAddress() {
    return PeerAddress.of(provider.localPeerId());
  }

  @Override
  public void close() {
    List<CompletableFuture<P2PConnection>> takers;
    List<InMemoryConnection> unaccepted;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      takers = new ArrayList<>(waiting);
      waiting.clear();
      unaccepted = new ArrayList<>(backlog);
      backlog.clear();
    }
    provider.listenerClosed(this);
    takers.forEach(t -> t.completeExceptionally(new ConnectionClosedException("listener closed")));
    unaccepted.forEach(InMemoryConnection::close);
  }
}
