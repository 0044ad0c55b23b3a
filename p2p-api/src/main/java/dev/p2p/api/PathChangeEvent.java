package dev.p2p.api;

import java.util.Objects;

/**
 * A connection's traffic moved to another path (a new address, a relay, or from one to the other).
 *
 * @param peer the remote peer of the connection
 * @param previous the path before
 * @param current the path now
 * @param reason why, in words a log reader understands ("hole punch succeeded", "direct path timed
 *     out", "relay lost")
 */
public record PathChangeEvent(PeerId peer, Path previous, Path current, String reason) {
  public PathChangeEvent {
    Objects.requireNonNull(peer, "peer");
    Objects.requireNonNull(previous, "previous");
    Objects.requireNonNull(current, "current");
    Objects.requireNonNull(reason, "reason");
  }
}
