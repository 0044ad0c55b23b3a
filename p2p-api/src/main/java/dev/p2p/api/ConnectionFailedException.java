package dev.p2p.api;

/** A connection could not be established (refused, unreachable, or the peer does not listen). */
public class ConnectionFailedException extends P2PException {
  private static final long serialVersionUID = 1L;

  public ConnectionFailedException(String message) {
    super(message);
  }

  public ConnectionFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
