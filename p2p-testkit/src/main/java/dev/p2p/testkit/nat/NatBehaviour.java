package dev.p2p.testkit.nat;

/**
 * RFC 4787's three behaviours, for mapping (what a new destination reuses) and for filtering (who
 * may send in through a mapping).
 */
public enum NatBehaviour {
  /** Mapping: one per internal endpoint. Filtering: anyone may send in. */
  ENDPOINT_INDEPENDENT,
  /** Mapping: one per destination address. Filtering: addresses the host has sent to. */
  ADDRESS_DEPENDENT,
  /** Mapping: one per destination address and port. Filtering: exactly those endpoints. */
  ADDRESS_AND_PORT_DEPENDENT
}
