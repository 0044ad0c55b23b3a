package dev.p2p.tunnel.server;

/**
 * The life cycle of a relayed connection: {@code CONNECTING → CONNECTED} when the destination
 * accepts, {@code CONNECTED → DISCONNECTING} when one side ends it, {@code → CLOSED} when it is
 * removed (both sides ended, a peer left, or it went stale). {@code CLOSED} is final.
 */
public enum RelayConnectionState {
  CONNECTING,
  CONNECTED,
  DISCONNECTING,
  CLOSED;

  /** True if the relay allows moving from this state to {@code next}. */
  public boolean canMoveTo(RelayConnectionState next) {
    switch (this) {
      case CONNECTING:
        return next == CONNECTED || next == CLOSED;
      case CONNECTED:
        return next == DISCONNECTING || next == CLOSED;
      case DISCONNECTING:
        return next == CLOSED;
      default:
        return false;
    }
  }
}
