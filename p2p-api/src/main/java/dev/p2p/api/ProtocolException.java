package dev.p2p.api;

/** The remote side sent something the protocol does not allow. */
public class ProtocolException extends P2PException {
  private static final long serialVersionUID = 1L;

  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
