package dev.p2p.core;

import dev.p2p.api.P2PException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Incoming connections and the {@code accept()} calls waiting for them. An accept the caller timed
 * out or cancelled is skipped: the connection goes to the next one. Thread-safe; futures complete
 * outside the lock, since they run the caller's callbacks.
 *
 * @param <T> the provider's connection type
 */
public final class AcceptQueue<T> {
  private final int backlog;
  private final ArrayDeque<T> queued = new ArrayDeque<>();
  private final Waiters<T> waiters = new Waiters<>();
  private Supplier<? extends P2PException> closed;

  /**
   * @param backlog how many accepted-by-the-transport connections may wait for {@code accept()}
   */
  public AcceptQueue(int backlog) {
    if (backlog < 1) {
      throw new IllegalArgumentException("backlog must be at least 1, got " + backlog);
    }
    this.backlog = backlog;
  }

  /**
   * Hands a new connection to a waiting {@code accept} or queues it. Returns false when the queue
   * is closed or the backlog is full: the provider then refuses the connection.
   */
  public boolean offer(T connection) {
    Objects.requireNonNull(connection, "connection");
    while (true) {
      CompletableFuture<T> waiter;
      synchronized (this) {
        if (closed != null) {
          return false;
        }
        waiter = waiters.pollLive();
        if (waiter == null) {
          if (queued.size() >= backlog) {
            return false;
          }
          queued.add(connection);
          return true;
        }
      }
      if (waiter.complete(connection)) {
        return true;
      }
      // The caller timed it out between the poll and now: try the next waiter.
    }
  }

  /** The next connection; fails with the close error once closed and empty. */
  public CompletableFuture<T> accept() {
    synchronized (this) {
      T next = queued.poll();
      if (next != null) {
        return CompletableFuture.completedFuture(next);
      }
      if (closed != null) {
        return CompletableFuture.failedFuture(closed.get());
      }
      CompletableFuture<T> f = new CompletableFuture<>();
      waiters.add(f);
      return f;
    }
  }

  /** Connections waiting for {@code accept}. */
  public synchronized int size() {
    return queued.size();
  }

  /**
   * Closes the queue: waiting accepts fail with the error, new ones too. Returns the connections
   * nobody accepted, for the provider to close. Idempotent (later calls return nothing).
   */
  public List<T> close(Supplier<? extends P2PException> error) {
    Objects.requireNonNull(error, "error");
    ArrayDeque<CompletableFuture<T>> failing;
    List<T> orphans;
    synchronized (this) {
      if (closed != null) {
        return List.of();
      }
      closed = error;
      failing = waiters.drain();
      orphans = List.copyOf(queued);
      queued.clear();
    }
    for (CompletableFuture<T> f : failing) {
      f.completeExceptionally(error.get());
    }
    return orphans;
  }
}
