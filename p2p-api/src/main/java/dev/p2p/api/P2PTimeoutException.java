package dev.p2p.api;

/** An operation did not complete within its deadline. */
public class P2PTimeoutException extends P2PException {
  private static final long serialVersionUID = 1L;

  public P2PTimeoutException(String message) {
    super(message);
  }

  public P2PTimeoutException(String message, Throwable cause) {
    super(message, cause);
  }
}
