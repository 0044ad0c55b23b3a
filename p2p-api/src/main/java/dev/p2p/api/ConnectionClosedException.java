package dev.p2p.api;

/** The connection or provider is closed; the operation cannot complete. */
public class ConnectionClosedException extends P2PException {
  private static final long serialVersionUID = 1L;

  public ConnectionClosedException(String message) {
    super(message);
  }

  public ConnectionClosedException(String message, Throwable cause) {
    super(message, cause);
  }
}
