package dev.p2p.api;

/** The life cycle of a {@link P2PConnection}. {@link #CLOSED} is final. */
public enum ConnectionState {
  CONNECTING,
  AUTHENTICATING,
  CONNECTED,
  RECONNECTING,
  FAILING_OVER,
  DISCONNECTING,
  CLOSED
}
