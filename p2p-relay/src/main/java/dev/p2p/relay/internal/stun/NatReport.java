package dev.p2p.relay.internal.stun;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of a NAT check: the type, the socket's local address, and each server's result
 * (reflexive address and latency).
 *
 * @param mappingVariesByDestination present when two or more distinct servers answered
 */
public record NatReport(
    NatType type,
    InetSocketAddress localAddress,
    List<BindingResult> results,
    List<InetSocketAddress> reflexiveAddresses,
    Optional<Boolean> mappingVariesByDestination) {

  public NatReport {
    results = List.copyOf(results);
    reflexiveAddresses = List.copyOf(reflexiveAddresses);
  }

  /** A few lines a user can read (what {@code p2p netcheck} prints). */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    sb.append("NAT type: ").append(type).append(" (").append(type.description()).append(")\n");
    sb.append("local address: ").append(localAddress).append('\n');
    sb.append("mapping varies by destination: ")
        .append(mappingVariesByDestination.map(String::valueOf).orElse("unknown"))
        .append('\n');
    for (BindingResult r : results) {
      sb.append("server ").append(r.server()).append(": ");
      switch (r.outcome()) {
        case ANSWERED ->
            sb.append("reflexive ")
                .append(r.reflexive().orElseThrow())
                .append(", latency ")
                .append(String.format(java.util.Locale.ROOT, "%.1f ms", r.rtt().toNanos() / 1e6));
        case ERROR_RESPONSE -> sb.append("error response");
        case TIMED_OUT -> sb.append("no answer");
      }
      sb.append(" (").append(r.sends()).append(" requests)\n");
    }
    return sb.toString();
  }
}
