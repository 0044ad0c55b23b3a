package dev.p2p.testkit.lab;

/**
 * What a lab router does to its host's traffic, and the nftables rules that make it so. Linux
 * conntrack keeps a mapping per 5-tuple and lets in only replies to it, so both NAT kinds filter
 * address-and-port-dependently (RFC 4787); they differ in mapping.
 */
public enum NatKind {
  /** Plain routing: the host's own address is public, nothing is filtered. */
  NONE(null),
  /**
   * {@code masquerade}: the source port is kept whenever free, so one socket gets the same public
   * address and port toward every destination (endpoint-independent mapping).
   */
  ENDPOINT_INDEPENDENT("masquerade"),
  /**
   * {@code masquerade fully-random}: a random source port for every new 5-tuple, so each
   * destination sees another port (address-and-port-dependent, "symmetric", mapping).
   */
  DESTINATION_DEPENDENT("masquerade fully-random");

  private final String statement;

  NatKind(String statement) {
    this.statement = statement;
  }

  /**
   * The nftables ruleset for a router whose public interface is {@code wanDevice}; null for NONE.
   *
   * <p>Besides the masquerade, the router drops unsolicited inbound packets before conntrack
   * commits them, as a home router's firewall does. Without that, a peer's punch that arrives first
   * is committed as a flow to the router itself, and the host's own punch to that peer then clashes
   * with it, so masquerade gives it another port: endpoint-independent mapping breaks for exactly
   * the peer being punched to (seen in the lab: EIM x EIM failed).
   */
  public String ruleset(String wanDevice) {
    if (statement == null) {
      return null;
    }
    String wan = "\"" + wanDevice + "\"";
    return "table ip p2pnat {\n"
        + "  chain postrouting {\n"
        + "    type nat hook postrouting priority srcnat; policy accept;\n"
        + "    oifname "
        + wan
        + " "
        + statement
        + "\n"
        + "  }\n"
        + "  chain input {\n"
        + "    type filter hook input priority filter; policy accept;\n"
        + "    iifname "
        + wan
        + " ct state new drop\n"
        + "  }\n"
        + "  chain forward {\n"
        + "    type filter hook forward priority filter; policy accept;\n"
        + "    iifname "
        + wan
        + " ct state new drop\n"
        + "  }\n"
        + "}\n";
  }
}
