package dev.p2p.cli;

import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import java.net.InetSocketAddress;
import java.util.List;

/** Where the demo's server listens and how the client dials it, per provider. */
final class DemoAddresses {
  private DemoAddresses() {}

  static String listen(String provider) {
    return switch (provider) {
      case "quic" -> "127.0.0.1:0";
      case "tunnel" -> "";
      default -> "demo";
    };
  }

  /** A {@code host:port} listener address becomes a direct address; anything else is id-only. */
  static PeerAddress dial(PeerId id, String localAddr) {
    int colon = localAddr.lastIndexOf(':');
    if (colon > 0 && !localAddr.contains("://")) {
      try {
        int port = Integer.parseInt(localAddr.substring(colon + 1));
        String host = localAddr.substring(0, colon).replace("[", "").replace("]", "");
        return PeerAddress.of(id, List.of(new InetSocketAddress(host, port)));
      } catch (NumberFormatException e) {
        return PeerAddress.of(id);
      }
    }
    return PeerAddress.of(id);
  }
}
