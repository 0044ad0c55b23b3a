package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;

/**
 * A {@link ConnectionClosedException} raised inside the simulation loop. It skips the stack trace:
 * that trace would only show the event loop, and filling it dominated the cost of closing
 * connections in the 10,000-peer benchmark.
 */
final class SimClosedException extends ConnectionClosedException {
  private static final long serialVersionUID = 1L;

  SimClosedException(String message) {
    super(message);
  }

  SimClosedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
