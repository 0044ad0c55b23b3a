package dev.p2p.relay.internal.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Classifies the NAT in front of one socket from Binding results against several destinations, all
 * sent from that socket. Pure: the QUIC provider can feed it results gathered on its own socket.
 */
public final class NatClassifier {
  private NatClassifier() {}

  /**
   * @param localAddress the socket's bound address (possibly the wildcard)
   * @param localAddresses the host's own addresses (the bound one, or every interface's when the
   *     socket is bound to the wildcard): a reflexive address among them, on the socket's port,
   *     means no translation
   * @param results one per server, from the same socket
   */
  public static NatReport classify(
      InetSocketAddress localAddress,
      Set<InetAddress> localAddresses,
      List<BindingResult> results) {
    Set<InetSocketAddress> servers = new LinkedHashSet<>();
    Set<InetSocketAddress> reflexive = new LinkedHashSet<>();
    for (BindingResult r : results) {
      if (r.answered()) {
        servers.add(r.server());
        reflexive.add(r.reflexive().orElseThrow());
      }
    }
    Optional<Boolean> varies =
        servers.size() >= 2 ? Optional.of(reflexive.size() > 1) : Optional.empty();
    NatType type;
    if (reflexive.isEmpty()) {
      type = NatType.BLOCKED;
    } else if (reflexive.size() > 1) {
      type = NatType.DESTINATION_DEPENDENT;
    } else if (isLocal(reflexive.iterator().next(), localAddress, localAddresses)) {
      type = NatType.NO_NAT;
    } else if (servers.size() >= 2) {
      type = NatType.ENDPOINT_INDEPENDENT;
    } else {
      type = NatType.UNKNOWN;
    }
    return new NatReport(type, localAddress, results, new ArrayList<>(reflexive), varies);
  }

  private static boolean isLocal(
      InetSocketAddress reflexive, InetSocketAddress local, Set<InetAddress> localAddresses) {
    return reflexive.getPort() == local.getPort()
        && (localAddresses.contains(reflexive.getAddress())
            || reflexive.getAddress().equals(local.getAddress()));
  }
}
