package dev.p2p.tunnel.server;

/**
 * The kind of peer-to-peer API a relayed connection serves, as in a game master server's relay.
 * Carried in connect frames; the relay treats every type alike but never mixes them: the same two
 * peers may hold one connection of each type.
 */
public enum ConnectionType {
  /** The old, channel-based send-packet API. */
  NETWORK_OLD(1),
  /** The protobuf-based networking API. */
  NETWORK_PB(2),
  /** Connection-oriented sockets addressed by virtual port. */
  NETWORKING_SOCKETS(3),
  /** Connection-less messages addressed by channel. */
  NETWORKING_MESSAGES(4);

  private final int code;

  ConnectionType(int code) {
    this.code = code;
  }

  /** The byte carried on the wire. */
  public int code() {
    return code;
  }

  /**
   * The type for a wire code.
   *
   * @throws IllegalArgumentException if no type has this code
   */
  public static ConnectionType fromCode(int code) {
    for (ConnectionType type : values()) {
      if (type.code == code) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown connection type code " + code);
  }
}
