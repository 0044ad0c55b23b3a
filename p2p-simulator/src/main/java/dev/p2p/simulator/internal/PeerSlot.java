package dev.p2p.simulator.internal;

import dev.p2p.api.PeerId;
import dev.p2p.simulator.NatType;

/**
 * A peer's place in the network: identity, NAT and the incarnation currently running. A restart
 * puts a new incarnation in the same slot, keeping the id and the link settings.
 */
final class PeerSlot {
  final int index;
  final String name;
  final PeerId id;
  NatType nat;
  SimPeer current;
  int incarnation;

  PeerSlot(int index, String name, PeerId id, NatType nat) {
    this.index = index;
    this.name = name;
    this.id = id;
    this.nat = nat;
  }

  boolean up() {
    return current != null && !current.crashed;
  }
}
