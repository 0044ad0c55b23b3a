package dev.p2p.simulator;

/**
 * How the NAT in front of a simulated peer maps and filters (RFC 4787).
 *
 * <p>Whether two peers get a direct path ({@link dev.p2p.api.PathType#DIRECT}) or must use the
 * relay follows what UDP hole punching can achieve: a punch needs the peers to learn each other's
 * mapped address and get through each other's filter.
 *
 * <pre>
 *                  OPEN  FULL_CONE  ADDRESS_R.  PORT_R.  SYMMETRIC
 *   OPEN           D     D          D           D        D
 *   FULL_CONE      D     D          D           D        D
 *   ADDRESS_R.     D     D          D           D        D
 *   PORT_R.        D     D          D           D        R
 *   SYMMETRIC      D     D          D           R        R
 * </pre>
 *
 * D = direct, R = relayed. A symmetric NAT gives each destination a new port, so its peer cannot
 * predict the port; that only works when the other side's filter lets any port of the right host in
 * (address-restricted or looser) or there is no NAT at all. Pairs where either side is behind a NAT
 * start on the relay and move to the direct path once the hole punch (one relayed round trip)
 * succeeds; pairs with no NAT at all start direct. The same matrix as iroh's NAT tests.
 */
public enum NatType {
  /** No NAT: a public address, no filtering. */
  OPEN,
  /** Endpoint-independent mapping and filtering. */
  FULL_CONE,
  /** Endpoint-independent mapping, address-dependent filtering. */
  ADDRESS_RESTRICTED,
  /** Endpoint-independent mapping, address-and-port-dependent filtering. */
  PORT_RESTRICTED,
  /** Address-and-port-dependent mapping and filtering. */
  SYMMETRIC;

  /** True if peers behind these two NATs can reach each other directly after a hole punch. */
  public static boolean canPunch(NatType a, NatType b) {
    if (a == SYMMETRIC || b == SYMMETRIC) {
      NatType other = a == SYMMETRIC ? b : a;
      return other == OPEN || other == FULL_CONE || other == ADDRESS_RESTRICTED;
    }
    return true;
  }
}
