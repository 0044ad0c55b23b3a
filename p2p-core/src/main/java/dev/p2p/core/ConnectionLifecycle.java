package dev.p2p.core;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PeerId;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The life cycle of one connection: its state, path and close reason, its listeners, and its close
 * future. Events are queued in the order the changes happened (under the lock that orders them) and
 * delivered one at a time through the given executor, so listeners never see them out of order or
 * concurrently. Thread-safe.
 */
public final class ConnectionLifecycle {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLifecycle.class);

  private final PeerId peer;
  private final Executor events;
  private final ConnectionListeners listeners =
      new ConnectionListeners((event, e) -> log.warn("connection listener failed on {}", event, e));
  private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();
  private final CompletableFuture<Void> publicCloseFuture = closeFuture.thenApply(v -> v);

  // Guarded by this.
  private final ArrayDeque<Object> pending = new ArrayDeque<>();
  private boolean dispatching;
  private volatile ConnectionState state;
  private volatile Path path;
  private volatile String closeReason;

  /**
   * @param peer the remote peer, named in every event
   * @param initial the first state
   * @param path the first path
   * @param events where listeners run: the provider's event loop, or {@code Runnable::run} to run
   *     them on the thread that made the change
   */
  public ConnectionLifecycle(PeerId peer, ConnectionState initial, Path path, Executor events) {
    this.peer = Objects.requireNonNull(peer, "peer");
    this.state = Objects.requireNonNull(initial, "initial");
    this.path = Objects.requireNonNull(path, "path");
    this.events = Objects.requireNonNull(events, "events");
  }

  public ConnectionState state() {
    return state;
  }

  public Path path() {
    return path;
  }

  /** Why the connection is closing or closed; null while it is open. */
  public String closeReason() {
    return closeReason;
  }

  /** True once closing has begun (DISCONNECTING) or ended (CLOSED). */
  public boolean isClosing() {
    return closeReason != null;
  }

  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  /**
   * Moves to {@code next}. No-op (false) if already there or CLOSED; CLOSED is reached only through
   * {@link #closed} or {@link #failed}, which also settle the close future.
   */
  public boolean transition(ConnectionState next, String reason) {
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(reason, "reason");
    if (next == ConnectionState.CLOSED) {
      throw new IllegalArgumentException("use closed() or failed() to reach CLOSED");
    }
    synchronized (this) {
      ConnectionState previous = state;
      if (previous == next || previous == ConnectionState.CLOSED) {
        return false;
      }
      if (next == ConnectionState.DISCONNECTING && closeReason == null) {
        closeReason = reason;
      }
      state = next;
      pending.add(new ConnectionStateEvent(peer, previous, next, reason));
    }
    dispatch();
    return true;
  }

  /** The traffic moved; listeners hear of it if the path really changed. */
  public void pathChanged(Path next, String reason) {
    Objects.requireNonNull(next, "next");
    Objects.requireNonNull(reason, "reason");
    synchronized (this) {
      Path previous = path;
      if (previous.equals(next) || state == ConnectionState.CLOSED) {
        return;
      }
      path = next;
      pending.add(new PathChangeEvent(peer, previous, next, reason));
    }
    dispatch();
  }

  /**
   * Closed after a graceful close in which the peer acknowledged everything: CLOSED, and the close
   * future completes normally. Returns false if it was already CLOSED.
   */
  public boolean closed(String reason) {
    if (!toClosed(reason)) {
      return false;
    }
    closeFuture.complete(null);
    return true;
  }

  /**
   * Closed any other way: CLOSED, and the close future fails with {@code error}. Returns false if
   * it was already CLOSED.
   */
  public boolean failed(String reason, ConnectionClosedException error) {
    Objects.requireNonNull(error, "error");
    if (!toClosed(reason)) {
      return false;
    }
    closeFuture.completeExceptionally(error);
    return true;
  }

  private boolean toClosed(String reason) {
    Objects.requireNonNull(reason, "reason");
    synchronized (this) {
      ConnectionState previous = state;
      if (previous == ConnectionState.CLOSED) {
        return false;
      }
      if (closeReason == null) {
        closeReason = reason;
      }
      // State first: whoever then sees a failed call must see CLOSED.
      state = ConnectionState.CLOSED;
      pending.add(new ConnectionStateEvent(peer, previous, ConnectionState.CLOSED, reason));
    }
    dispatch();
    return true;
  }

  /**
   * {@code P2PConnection.closeFuture()}: a view the application cannot complete, so a caller's
   * {@code complete(null)} cannot fake a delivery.
   */
  public CompletableFuture<Void> closeFuture() {
    return publicCloseFuture;
  }

  /**
   * The error for an operation on a closed connection, e.g. {@code closedError("send")}: "cannot
   * send to 4KQ2…: the connection is closed (the peer closed it); open a new connection".
   */
  public ConnectionClosedException closedError(String operation) {
    String why = closeReason;
    return new ConnectionClosedException(
        "cannot "
            + operation
            + ": the connection to "
            + peer.shortString()
            + " is closed"
            + (why == null ? "" : " (" + why + ")")
            + "; open a new connection");
  }

  /**
   * The close future's error when a connection ended before the peer acknowledged everything: "the
   * connection to 4KQ2… ended before the peer acknowledged everything sent (no packet from the peer
   * for 30 s): 12 messages, 4096 bytes were not acknowledged".
   */
  public ConnectionClosedException notAcknowledged(String why, long messages, long bytes) {
    return new ConnectionClosedException(
        "the connection to "
            + peer.shortString()
            + " ended before the peer acknowledged everything sent ("
            + why
            + "): "
            + (messages < 0 ? "an unknown number of" : Long.toString(messages))
            + " messages, "
            + (bytes < 0 ? "unknown" : Long.toString(bytes))
            + " bytes were not acknowledged");
  }

  private void dispatch() {
    events.execute(this::deliver);
  }

  private void deliver() {
    while (true) {
      Object event;
      synchronized (this) {
        if (dispatching) {
          return; // the thread already delivering takes this event too, in order
        }
        event = pending.poll();
        if (event == null) {
          return;
        }
        dispatching = true;
      }
      try {
        if (event instanceof ConnectionStateEvent e) {
          listeners.fire(e);
        } else {
          listeners.fire((PathChangeEvent) event);
        }
      } finally {
        synchronized (this) {
          dispatching = false;
        }
      }
    }
  }
}
