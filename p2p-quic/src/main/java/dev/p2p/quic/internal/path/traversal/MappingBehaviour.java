package dev.p2p.quic.internal.path.traversal;

/**
 * How a side's NAT maps its QUIC socket, as STUN from that socket at two or more destinations shows
 * (RFC 4787's mapping behaviour), and so which punching strategy fits a pairing.
 */
public enum MappingBehaviour {
  /** Fewer than two destinations answered: nothing can be told. */
  UNKNOWN,
  /** A reflexive address is one of the socket's own interface addresses: no NAT. */
  OPEN,
  /** Every destination saw the same mapping (endpoint-independent): the "easy" side. */
  INDEPENDENT,
  /** Destinations saw different mappings (a new port per destination): the "hard" side. */
  VARIES;

  /**
   * The birthday role of a side whose own mapping is {@code mine} facing {@code peer}'s: HARD opens
   * many sockets, EASY sprays probes, NONE (plain punching can do it, or nothing can).
   */
  public static BirthdayRole role(MappingBehaviour mine, MappingBehaviour peer) {
    if (mine == VARIES && peer == INDEPENDENT) {
      return BirthdayRole.HARD;
    }
    if (mine == INDEPENDENT && peer == VARIES) {
      return BirthdayRole.EASY;
    }
    return BirthdayRole.NONE;
  }

  /** A side's part in birthday probing. */
  public enum BirthdayRole {
    NONE,
    HARD,
    EASY
  }
}
