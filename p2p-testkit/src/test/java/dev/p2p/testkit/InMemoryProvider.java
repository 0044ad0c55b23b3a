package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A provider of {@link InMemoryNetwork}: one delivery thread, no sockets. */
final class InMemoryProvider implements P2PProvider {
  final InMemoryNetwork network;
  private final String name;
  private final PeerId id;
  private final ScheduledThreadPoolExecutor executor;
  private final List<InMemoryConnection> connections = new ArrayList<>();
  private InMemoryListener listener;
  private boolean closed;

  InMemoryProvider(InMemoryNetwork network, String name, PeerId id) {
    this.network = network;
    this.name = name;
    this.id = id;
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
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

  /**
   * Runs a task on this provider's thread after the network's latency; tasks keep their order. Once
   * the provider is shut down, elsewhere (never inline: callers hold locks).
   */
  void later(Runnable task) {
    try {
      executor.schedule(task, network.latencyNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      ForkJoinPool.commonPool().execute(task);
    }
  }

  @Override
  public synchronized CompletableFuture<P2PListener> listen(String addr) {
    if (closed) {
      return CompletableFuture.failedFuture(new ConnectionClosedException(name + " is closed"));
    }
    if (listener != null && network.fault != Fault.LISTEN_TWICE_REPLACES) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              name
                  + " already listens on "
                  + listener.localAddr()
                  + "; close that listener first"));
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
    if (network.isSilent(address.peerId())) {
      CompletableFuture<P2PConnection> never = new CompletableFuture<>();
      executor.schedule(
          () ->
              never.completeExceptionally(
                  network.fault == Fault.CONNECT_TIMEOUT_IS_CONNECTION_FAILED
                      ? new ConnectionFailedException("no answer")
                      : new P2PTimeoutException(
                          "no answer from "
                              + address.peerId().shortString()
                              + " within "
                              + InMemoryNetwork.CONNECT_TIMEOUT_MILLIS
                              + " ms")),
          InMemoryNetwork.CONNECT_TIMEOUT_MILLIS,
          TimeUnit.MILLISECONDS);
      return never;
    }
    InMemoryProvider target = network.find(address.peerId());
    if (target == null) {
      if (network.fault == Fault.UNKNOWN_ID_HANGS) {
        return new CompletableFuture<>();
      }
      String why = "no peer " + address.peerId().shortString();
      return CompletableFuture.failedFuture(
          network.fault == Fault.UNKNOWN_ID_IS_CONNECTION_FAILED
              ? new ConnectionFailedException(why)
              : new PeerNotFoundException(why));
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

  /** Graceful close of everything, a wait of up to the linger for the close futures, then reset. */
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
      if (network.fault != Fault.PROVIDER_CLOSE_RESETS_AT_ONCE) {
        lingerFor(open);
      }
      open.forEach(c -> c.reset("the provider closed past its linger"));
    }
    network.remove(this);
    if (network.fault != Fault.LEAK_THREAD) {
      executor.shutdown();
    }
  }

  private static void lingerFor(List<InMemoryConnection> open) {
    CompletableFuture<?>[] done =
        open.stream()
            .map(c -> c.closeFuture().handle((ok, error) -> null))
            .toArray(CompletableFuture[]::new);
    try {
      CompletableFuture.allOf(done).get(InMemoryNetwork.LINGER_MILLIS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      // What is still undelivered is reset below.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
