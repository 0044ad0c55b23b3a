package dev.p2p.cli;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import picocli.CommandLine.Option;

/**
 * Which provider a two-machine command (send, receive) uses. Any provider that reaches another
 * process will do; the simulator, which lives inside one process, is refused.
 */
final class ProviderOption {
  @Option(
      names = "--provider",
      description =
          "quic or tunnel (default: P2P_IMPLEMENTATION, else the highest-priority one, quic);"
              + " both sides must use the same")
  String name;

  /**
   * Opens the chosen provider with the peer options applied.
   *
   * @throws IllegalArgumentException for the simulator, or a bad --relay
   */
  P2PProvider open(PeerOptions peer, P2PConfig env, String command) {
    P2PConfig config = peer.config(env, name);
    String chosen = P2P.factory(config).name();
    if (chosen.equals("simulator")) {
      throw new IllegalArgumentException(
          "p2p "
              + command
              + " cannot use the simulator: it runs inside one process;"
              + " use --provider quic (or tunnel, with a tunnel server)");
    }
    return P2P.open(config);
  }

  /** Where to listen unless told: every interface for QUIC, the configured server for a tunnel. */
  static String defaultListenAddress(P2PProvider provider) {
    return provider.name().equals("tunnel") ? "" : "0.0.0.0:0";
  }
}
