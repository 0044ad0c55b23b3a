package dev.p2p.api;

import java.util.Objects;

/**
 * A connection moved from one state to another.
 *
 * @param peer the remote peer of the connection
 * @param previous the state before
 * @param current the state now
 * @param reason why, in words a log reader understands
 */
public record ConnectionStateEvent(
    PeerId peer, ConnectionState previous, ConnectionState current, String reason) {
  public ConnectionStateEvent {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(reason, "reason");
  }
}
