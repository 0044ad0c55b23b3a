package dev.p2p.tunnel.server;

import dev.p2p.api.PeerId;
import java.util.Objects;

/**
 * A snapshot of one relayed connection. The relay keeps the live counters; this record is what it
 * looked like when {@link RelayManager} returned it.
 *
 * @param id unique among all connections this relay manager ever created (never 0)
 * @param initiator the peer whose request created it
 * @param target the other peer
 * @param appId both peers' application id: peers of different apps are never connected
 * @param type the API the connection serves
 * @param virtualPort the virtual port requested by the initiator
 * @param channel the channel requested by the initiator
 * @param state where it is in its life cycle
 * @param createdAtNanos ticker reading when it was created
 * @param lastActivityNanos ticker reading of its last packet or state change
 * @param packetsRelayed packets relayed in both directions
 * @param bytesRelayed payload bytes relayed in both directions
 */
public record RelayConnection(
    long id,
    PeerId initiator,
    PeerId target,
    long appId,
    ConnectionType type,
    int virtualPort,
    int channel,
    RelayConnectionState state,
    long createdAtNanos,
    long lastActivityNanos,
    long packetsRelayed,
    long bytesRelayed) {

  public RelayConnection {
    Objects.requireNonNull(initiator, "initiator");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(state, "state");
  }

  /** True if {@code peer} is one of the two ends. */
  public boolean involves(PeerId peer) {
    return initiator.equals(peer) || target.equals(peer);
  }

  /** The end that is not {@code source}, or null if {@code source} is not an end. */
  public PeerId otherEnd(PeerId source) {
    if (initiator.equals(source)) {
      return target;
    }
    return target.equals(source) ? initiator : null;
  }
}
