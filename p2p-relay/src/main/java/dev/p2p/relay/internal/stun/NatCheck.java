package dev.p2p.relay.internal.stun;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A stand-alone NAT check on a socket of its own (what {@code p2p netcheck} runs): Binding requests
 * to every server at once, then {@link NatClassifier}. Bounded by {@code timeout}.
 */
public final class NatCheck {
  /** iroh's probe timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

  private NatCheck() {}

  /** From a fresh socket on every interface and a free port. */
  public static NatReport run(List<InetSocketAddress> servers, Duration timeout)
      throws IOException {
    return run(new InetSocketAddress(0), servers, timeout, StunRound.DEFAULT_INITIAL_RTO);
  }

  /**
   * @param bind where the check's own socket binds
   * @throws IOException if the socket cannot be opened or fails (not for servers that do not
   *     answer: those are results)
   */
  public static NatReport run(
      InetSocketAddress bind,
      List<InetSocketAddress> servers,
      Duration timeout,
      Duration initialRto)
      throws IOException {
    try (DatagramSocket socket = new DatagramSocket(bind)) {
      List<BindingResult> results =
          StunRound.run(
              DatagramIo.of(socket), servers, timeout, initialRto, StunRound.DEFAULT_MAX_SENDS);
      InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
      return NatClassifier.classify(local, localAddresses(local), results);
    }
  }

  /** The bound address, or every interface's address when bound to the wildcard. */
  static Set<InetAddress> localAddresses(InetSocketAddress local) throws SocketException {
    Set<InetAddress> out = new HashSet<>();
    if (!local.getAddress().isAnyLocalAddress()) {
      out.add(local.getAddress());
      return out;
    }
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nif.isUp()) {
        out.addAll(Collections.list(nif.getInetAddresses()));
      }
    }
    return out;
  }
}
