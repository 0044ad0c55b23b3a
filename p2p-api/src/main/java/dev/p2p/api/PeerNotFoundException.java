package dev.p2p.api;

/** No address is known for the requested peer, or the network has no such peer. */
public class PeerNotFoundException extends P2PException {
  private static final long serialVersionUID = 1L;

  public PeerNotFoundException(String message) {
    super(message);
  }

  public PeerNotFoundException(String message, Throwable cause) {
    super(message, cause);
  }
}
