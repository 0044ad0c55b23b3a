package dev.p2p.quic.internal;

import dev.p2p.api.NetworkException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The addresses a socket bound to {@code bound} can be reached at, for tickets. */
public final class LocalAddresses {
  private LocalAddresses() {}

  /**
   * The bound address itself, or for a wildcard every address of this host's interfaces that are
   * up, loopback last (a remote peer is more likely to reach the others).
   */
  public static List<InetSocketAddress> reachable(InetSocketAddress bound) {
    if (!bound.getAddress().isAnyLocalAddress()) {
      return List.of(bound);
    }
    List<InetSocketAddress> all = new ArrayList<>();
    List<InetSocketAddress> loopback = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp()) {
          continue;
        }
        for (InetAddress ip : Collections.list(nif.getInetAddresses())) {
          // An IPv4 wildcard socket answers on IPv4 only; an IPv6 one on both.
          boolean reachable =
              bound.getAddress() instanceof Inet6Address || ip instanceof Inet4Address;
          if (ip.isLinkLocalAddress() || !reachable) {
            continue;
          }
          (ip.isLoopbackAddress() ? loopback : all).add(new InetSocketAddress(ip, bound.getPort()));
        }
      }
    } catch (SocketException e) {
      throw new NetworkException(
          "cannot list this host's network interfaces: " + e.getMessage(), e);
    }
    all.addAll(loopback);
    return all;
  }
}
