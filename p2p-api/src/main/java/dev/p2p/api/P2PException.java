package dev.p2p.api;

/**
 * The root of every error this SDK reports. Unchecked: futures complete exceptionally with it or a
 * subclass, and synchronous methods throw it.
 */
public class P2PException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public P2PException(String message) {
    super(message);
  }

  public P2PException(String message, Throwable cause) {
    super(message, cause);
  }
}
