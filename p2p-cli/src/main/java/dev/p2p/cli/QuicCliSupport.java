package dev.p2p.cli;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What the listen and connect commands share: opening a QUIC peer and writing its ticket. */
final class QuicCliSupport {
  private QuicCliSupport() {}

  static P2PProvider open(Path keyFile) {
    P2PConfig.Builder config = P2PConfig.fromEnvironment().toBuilder().implementation("quic");
    if (keyFile != null) {
      config.set("P2P_KEY_FILE", keyFile.toString());
    }
    return P2P.open(config.build());
  }

  /**
   * The ticket for a peer listening at {@code hostPort}. A wildcard address is replaced by every
   * address of this host's interfaces that are up, loopback last.
   */
  static PeerAddress ticket(PeerId id, String hostPort) throws SocketException {
    PeerAddress bound = DemoAddresses.dial(id, hostPort);
    if (bound.directAddresses().isEmpty()) {
      return bound;
    }
    InetSocketAddress a = bound.directAddresses().get(0);
    if (!a.getAddress().isAnyLocalAddress()) {
      return bound;
    }
    List<InetSocketAddress> all = new ArrayList<>();
    List<InetSocketAddress> loopback = new ArrayList<>();
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nif.isUp()) {
        continue;
      }
      for (InetAddress ip : Collections.list(nif.getInetAddresses())) {
        // An IPv4 wildcard socket answers on IPv4 only; an IPv6 one on both.
        boolean reachable = a.getAddress() instanceof java.net.Inet6Address || v4(ip);
        if (ip.isLinkLocalAddress() || !reachable) {
          continue;
        }
        InetSocketAddress s = new InetSocketAddress(ip, a.getPort());
        (ip.isLoopbackAddress() ? loopback : all).add(s);
      }
    }
    all.addAll(loopback);
    return PeerAddress.of(id, all);
  }

  private static boolean v4(InetAddress ip) {
    return ip instanceof java.net.Inet4Address;
  }
}
