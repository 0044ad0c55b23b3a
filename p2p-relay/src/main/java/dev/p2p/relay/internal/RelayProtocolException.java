package dev.p2p.relay.internal;

/** A frame that breaks the relay protocol; the session that sent it is closed. */
public final class RelayProtocolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient CloseReason reason;

  public RelayProtocolException(CloseReason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public CloseReason reason() {
    return reason;
  }
}
