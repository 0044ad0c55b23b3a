package dev.p2p.api;

/** The local network failed (socket error, interface down). */
public class NetworkException extends P2PException {
  private static final long serialVersionUID = 1L;

  public NetworkException(String message) {
    super(message);
  }

  public NetworkException(String message, Throwable cause) {
    super(message, cause);
  }
}
