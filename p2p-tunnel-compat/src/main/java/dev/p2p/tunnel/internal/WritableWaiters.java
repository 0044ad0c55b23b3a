package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.NetworkException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

/**
 * Sends waiting for room in the queue toward the server: their futures complete, oldest first, when
 * the channel's buffers drain, or fail when the channel is lost. Thread-safe.
 */
final class WritableWaiters {
  private record Waiter(TunnelConnection connection, CompletableFuture<Void> future) {}

  private final Supplier<OutboundQueue> current;
  private final Supplier<String> serverText;
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

  WritableWaiters(Supplier<OutboundQueue> current, Supplier<String> serverText) {
    this.current = current;
    this.serverText = serverText;
  }

  CompletableFuture<Void> whenWritable(OutboundQueue queue, TunnelConnection connection) {
    if (queue.hasRoom()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (waiters) {
      waiters.add(new Waiter(connection, f));
    }
    try {
      queue.channel().eventLoop().execute(this::drain);
    } catch (RejectedExecutionException e) {
      fail(connection, new ConnectionClosedException("the tunnel provider is closed"));
    }
    return f;
  }

  /** Completes what now fits; on a lost channel, fails everything. */
  void drain() {
    OutboundQueue queue = current.get();
    boolean active = queue != null && queue.channel().isActive();
    while (true) {
      Waiter w;
      synchronized (waiters) {
        if (active && !queue.hasRoom()) {
          return;
        }
        w = waiters.poll();
      }
      if (w == null) {
        return;
      }
      if (active) {
        w.future().complete(null);
      } else {
        w.future()
            .completeExceptionally(
                new NetworkException(
                    "the connection to the tunnel server "
                        + serverText.get()
                        + " was lost before the message was accepted; if it did not reach the"
                        + " peer, the connection closes when it resumes and says so"));
      }
    }
  }

  /** Fails the sends of one connection still waiting for room. */
  void fail(TunnelConnection connection, RuntimeException error) {
    List<CompletableFuture<Void>> failing = new ArrayList<>();
    synchronized (waiters) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (w.connection() == connection) {
          it.remove();
          failing.add(w.future());
        }
      }
    }
    for (CompletableFuture<Void> f : failing) {
      f.completeExceptionally(error);
    }
  }
}
