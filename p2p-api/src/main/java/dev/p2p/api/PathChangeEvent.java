package dev.p2p.api;

import java.util.Objects;

/**
 * A connection's traffic moved to another path.
 *
 * @param peer the remote peer of the connection
 * @param previous the path before
 * @param current the path now
 * @param reason why, in words a log reader understands
 */
public record PathChangeEvent(PeerId peer, PathType previous, PathType current, String reason) {
  public PathChangeEvent {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(reason, "reason");
  }
}
