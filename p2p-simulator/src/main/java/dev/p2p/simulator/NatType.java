package dev.p2p.simulator;

/**
 * How the NAT in front of a simulated peer maps and filters (RFC 4787).
 *
 * <p>Whether two peers get a direct path ({@link dev.p2p.api.PathType#DIRECT}) or must use the
 * relay follows what the QUIC provider achieves through real NATs (its kernel NAT lab: plain
 * masquerade is {@link #PORT_RESTRICTED}, {@code masquerade fully-random} is {@link #SYMMETRIC}):
 *
 * <pre>
 *                  OPEN  FULL_CONE  ADDRESS_R.  PORT_R.  SYMMETRIC
 *   OPEN           D     D          D           D        D
 *   FULL_CONE      D     D          D           D        D
 *   ADDRESS_R.     D     D          D           D        D
 *   PORT_R.        D     D          D           D        B
 *   SYMMETRIC      D     D          D           B        R
 * </pre>
 *
 * D = direct by a plain hole punch, B = direct by birthday-paradox port probing, R = relayed.
 *
 * <p>A plain punch needs each peer to learn the other's mapped address and get through the other's
 * filter. A symmetric NAT gives each destination a new port, so its peer cannot know the port; a
 * plain punch still works when the other side's filter lets in any port of the right host
 * (address-restricted or looser) or there is no NAT at all. A port-restricted peer lets in only the
 * address and port it sent to, so with a symmetric peer it takes birthday probing: the symmetric
 * side opens 256 sockets toward it and it sprays 1,024 probes at random ports, which meet with
 * probability {@code 1 - (1 - 256/64512)^1024}, about 98% per attempt (97.9% measured in the lab),
 * retried if missed. Two symmetric NATs stay relayed: neither side can know the other's port.
 * iroh's NAT matrix leaves both of those pairings relayed.
 *
 * <p>Pairs where either side is behind a NAT start on the relay. A plain punch moves them to the
 * direct path one relayed round trip later (the candidate offers); birthday probing later still:
 * the spray starts 250 ms into an attempt and runs 1.5 s in 50 ms ticks, the probe that hits leaves
 * 0.3-1.75 s after the offers (0.62 s on average), and the path moves a direct round trip after it
 * (half a round trip more on the symmetric side). Each missed attempt adds its window (3.5 s, ended
 * on the next tick) and a back-off of 1 s doubling, at most 6 attempts. Each attempt's outcome is
 * drawn from the network's seed and the connection, so a seed replays the same run. Pairs with no
 * NAT at all start direct.
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

  /**
   * True if peers behind these two NATs can end on a direct path: by a plain hole punch, or for
   * {@link #PORT_RESTRICTED} with {@link #SYMMETRIC} by birthday probing, which succeeds about 98%
   * per attempt and is retried. Only two symmetric NATs stay relayed.
   */
  public static boolean canPunch(NatType a, NatType b) {
    return a != SYMMETRIC || b != SYMMETRIC;
  }
}
