package dev.p2p.relay.internal.stun;

/**
 * What STUN answers from two or more destinations say about the NAT in front of a socket, and what
 * that means for a direct path (RFC 4787 terms; "destination-dependent" covers its address- and
 * address-and-port-dependent mappings, which binding results alone do not always tell apart).
 */
public enum NatType {
  /**
   * The reflexive address is the socket's own: no translation; peers can reach it if unfiltered.
   */
  NO_NAT("no NAT: the servers see this socket's own address"),
  /**
   * One mapping for every destination: the reflexive address works for any peer; punch directly.
   */
  ENDPOINT_INDEPENDENT(
      "endpoint-independent mapping: the same reflexive address for every destination"),
  /**
   * A new mapping per destination: a peer cannot learn the port; only port guessing goes direct.
   */
  DESTINATION_DEPENDENT(
      "destination-dependent mapping: the reflexive port changes per destination"),
  /** Behind a NAT, but too few servers answered to tell whether the mapping varies. */
  UNKNOWN("behind a NAT, but fewer than two servers answered: mapping behaviour unknown"),
  /** No server answered: UDP is blocked or the servers are down; only the relay will work. */
  BLOCKED("no STUN server answered: UDP may be blocked; connections will stay on the relay");

  private final String description;

  NatType(String description) {
    this.description = description;
  }

  /** One line for a user asking "why am I relayed?". */
  public String description() {
    return description;
  }
}
