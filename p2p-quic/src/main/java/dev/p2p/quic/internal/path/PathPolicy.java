package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.traversal.BirthdaySettings;
import java.time.Duration;

/**
 * Which routes the path layer may use and how it watches them.
 *
 * @param relayOnly never send or accept direct packets (strict networks, tests)
 * @param directOnly never use a relay
 * @param pathTimeout a direct path that has not answered for this long is given up for a relay
 * @param probeInterval how often a relayed path checks whether the direct one works again
 * @param birthday what birthday probing may spend per attempt
 */
public record PathPolicy(
    boolean relayOnly,
    boolean directOnly,
    Duration pathTimeout,
    Duration probeInterval,
    BirthdaySettings birthday) {
  public static final PathPolicy DEFAULT =
      new PathPolicy(false, false, Duration.ofSeconds(3), Duration.ofSeconds(2));

  public PathPolicy {
    if (relayOnly && directOnly) {
      throw new IllegalArgumentException("relayOnly and directOnly exclude each other");
    }
    birthday = birthday == null ? BirthdaySettings.DEFAULT : birthday;
  }

  public PathPolicy(
      boolean relayOnly, boolean directOnly, Duration pathTimeout, Duration probeInterval) {
    this(relayOnly, directOnly, pathTimeout, probeInterval, BirthdaySettings.DEFAULT);
  }
}
