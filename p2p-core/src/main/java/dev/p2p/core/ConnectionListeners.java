package dev.p2p.core;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.PathChangeEvent;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The listeners of one connection, for providers: every transport delivers events the same way, in
 * registration order, and a listener that throws is reported to the provider (which logs it)
 * without stopping the others.
 */
public final class ConnectionListeners {

  /** Where a provider hears that a listener threw; typically a log line. */
  @FunctionalInterface
  public interface FailureHandler {
    void listenerFailed(Object event, RuntimeException failure);
  }

  private final CopyOnWriteArrayList<ConnectionListener> listeners = new CopyOnWriteArrayList<>();
  private final FailureHandler onFailure;

  public ConnectionListeners(FailureHandler onFailure) {
    this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
  }

  public void add(ConnectionListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  public boolean isEmpty() {
    return listeners.isEmpty();
  }

  public void fire(ConnectionStateEvent event) {
    for (ConnectionListener l : listeners) {
      try {
        l.stateChanged(event);
      } catch (RuntimeException e) {
        onFailure.listenerFailed(event, e);
      }
    }
  }

  public void fire(PathChangeEvent event) {
    for (ConnectionListener l : listeners) {
      try {
        l.pathChanged(event);
      } catch (RuntimeException e) {
        onFailure.listenerFailed(event, e);
      }
    }
  }
}
