package dev.p2p.api;

/**
 * Observes a connection. Callbacks run on a provider thread (the simulation thread for the
 * simulator): keep them short and never block in them.
 */
public interface ConnectionListener {

  /** The connection changed state. */
  default void stateChanged(ConnectionStateEvent event) {}

  /** The connection's traffic moved to another path. */
  default void pathChanged(PathChangeEvent event) {}
}
