package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/** A provider of {@link InMemoryNetwork}: one delivery thread, no sockets. */
final class InMemoryProvider implements P2PProvider {
  final InMemoryNetwork network;
  private final String name;
  private final PeerId id;
  private final ExecutorService executor;
  private final List<InMemoryConnection> connections = new ArrayList<>();
  private InMemoryListener listener;
  private boolean closed;

  InMemoryProvider(InMemoryNetwork network, String name, PeerId id) {
    this.network = network;
    this.name = name;
    this.id = id;
    this.executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread thread = new Thread(r, "inmem-" + name);
              thread.setDaemon(true);
              return thread;
            });
  }

  @Override
  public String name() {
    return "inmem";
  }

  @Override
  public PeerId localPeerId() {
    return id;
  }

  /** Runs a task on this provider's thread, or here once the provider has shut it down. */
  void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run();
    }
  }

  @Override
  public synchronized CompletableFuture<P2PListener> listen(String addr) {
    if (closed) {
      return CompletableFuture.failedFuture(new ConnectionClosedException(name + " is closed"));
    }
    listener = new InMemoryListener(this, name + "/" + addr);
    return CompletableFuture.completedFuture(listener);
  }

  synchronized InMemoryListener listener() {
    return listener;
  }

  synchronized void listenerClosed(InMemoryListener closing) {
    if (listener == closing && network.fault != Fault.LISTENER_CLOSE_KEEPS_ACCEPTING) {
      listener = null;
    }
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    return connect(PeerAddress.of(peer));
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress address) {
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new ConnectionClosedException(name + " is closed"));
      }
    }
    InMemoryProvider target = network.find(address.peerId());
    if (target == null) {
      return network.fault == Fault.UNKNOWN_ID_HANGS
          ? new CompletableFuture<>()
          : CompletableFuture.failedFuture(
              new PeerNotFoundException("no peer " + address.peerId().shortString()));
    }
    InMemoryListener remoteListener = target.listener();
    if (remoteListener == null) {
      return network.fault == Fault.NON_LISTENING_HANGS
          ? new CompletableFuture<>()
          : CompletableFuture.failedFuture(
              new ConnectionFailedException(target.name + " does not listen"));
    }
    InMemoryConnection mine = new InMemoryConnection(this, target.id);
    PeerId theirView = network.fault == Fault.ACCEPTED_PEER_ID_IS_OWN ? target.id : id;
    InMemoryConnection theirs = new InMemoryConnection(target, theirView);
    InMemoryConnection.link(mine, theirs);
    if (!register(mine) || !target.register(theirs) || !remoteListener.offer(theirs)) {
      mine.close();
      theirs.close();
      return CompletableFuture.failedFuture(
          new ConnectionFailedException(target.name + " stopped listening"));
    }
    CompletableFuture<P2PConnection> result = new CompletableFuture<>();
    execute(() -> result.complete(mine));
    return result;
  }

  private synchronized boolean register(InMemoryConnection connection) {
    if (closed) {
      return false;
    }
    connections.add(connection);
    return true;
  }

  synchronized void forget(InMemoryConnection connection) {
    connections.remove(connection);
  }

  @Override
  public void close() {
    List<InMemoryConnection> open;
    InMemoryListener current;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(connections);
      current = listener;
    }
    if (current != null) {
      current.close();
    }
    if (network.fault != Fault.PROVIDER_CLOSE_KEEPS_CONNECTIONS) {
      open.forEach(InMemoryConnection::close);
    }
    network.remove(this);
    if (network.fault != Fault.LEAK_THREAD) {
      executor.shutdown();
    }
  }
}
