package dev.p2p.api;

/** Whether a connection's packets go straight to the peer or through a relay. */
public enum PathType {
  DIRECT,
  RELAYED
}
