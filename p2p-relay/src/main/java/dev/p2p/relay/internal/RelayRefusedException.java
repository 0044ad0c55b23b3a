package dev.p2p.relay.internal;

import dev.p2p.api.ConnectionFailedException;

/** The relay ended (or refused) a session with a reason frame; {@link #reason()} says why. */
public final class RelayRefusedException extends ConnectionFailedException {
  private static final long serialVersionUID = 1L;

  private final transient CloseReason reason;

  public RelayRefusedException(CloseReason reason, String message) {
    super("relay closed the session (" + reason + "): " + message);
    this.reason = reason;
  }

  public CloseReason reason() {
    return reason;
  }
}
