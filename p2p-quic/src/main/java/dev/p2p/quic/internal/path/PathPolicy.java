package dev.p2p.quic.internal.path;

import java.time.Duration;

/**
 * Which routes the path layer may use and how it watches them.
 *
 * @param relayOnly never send or accept direct packets (strict networks, tests)
 * @param directOnly never use a relay
 * @param pathTimeout a direct path that has not answered for this long is given up for a relay
 * @param probeInterval how often a relayed path checks whether the direct one works again
 */
public record PathPolicy(
    boolean relayOnly, boolean directOnly, Duration pathTimeout, Duration probeInterval) {
  public static final PathPolicy DEFAULT =
      new PathPolicy(false, false, Duration.ofSeconds(3), Duration.ofSeconds(2));

  public PathPolicy {
    if (relayOnly && directOnly) {
      throw new IllegalArgumentException("relayOnly and directOnly exclude each other");
    }
  }
}
