package dev.p2p.quic.internal.path.traversal;

/**
 * How much birthday probing may spend per attempt (settings {@code P2P_BIRTHDAY_SOCKETS} and {@code
 * P2P_BIRTHDAY_PROBES}; either 0 turns it off). The defaults are Tailscale's analysis of the
 * birthday paradox: 256 mappings on the hard side and 1,024 probes from the easy side meet with
 * probability {@code 1 - (1 - 256/64512)^1024}, about 98% per attempt.
 *
 * @param sockets extra sockets the hard side opens per attempt (also the provider-wide cap)
 * @param probes pings the easy side sends to distinct ports of the hard side's public address
 */
public record BirthdaySettings(int sockets, int probes) {
  public static final int MAX_SOCKETS = 1024;
  public static final int MAX_PROBES = 8192;
  public static final BirthdaySettings DEFAULT = new BirthdaySettings(256, 1024);
  public static final BirthdaySettings OFF = new BirthdaySettings(0, 0);

  public BirthdaySettings {
    if (sockets < 0 || sockets > MAX_SOCKETS || probes < 0 || probes > MAX_PROBES) {
      throw new IllegalArgumentException(
          "birthday sockets 0.." + MAX_SOCKETS + " and probes 0.." + MAX_PROBES);
    }
  }

  public boolean enabled() {
    return sockets > 0 && probes > 0;
  }
}
