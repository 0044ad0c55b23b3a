package dev.p2p.tunnel;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.testkit.P2PProviderContract;
import dev.p2p.tunnel.server.TunnelServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** The whole provider contract, against a real tunnel server on loopback. */
class TunnelProviderContractTest extends P2PProviderContract {
  private static TunnelServer server;
  private final List<SilentPeer> silentPeers = new ArrayList<>();

  @BeforeAll
  static void startServer() {
    server = TunnelServer.builder().host("127.0.0.1").port(0).start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @AfterEach
  void closeSilentPeers() {
    silentPeers.forEach(SilentPeer::close);
  }

  @Override
  protected P2PProvider newProvider(String name) {
    return new TunnelProviderFactory()
        .create(
            P2PConfig.builder()
                .implementation("tunnel")
                .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port())
                .build());
  }

  /** The tunnel is one TCP stream: UNRELIABLE messages arrive reliably and in order. */
  @Override
  protected boolean unreliableMayBeLost() {
    return false;
  }

  /**
   * A peer registered with the same server that never answers a connect request: neither accepted
   * nor refused, the dial can only run out of time (P2P_CONNECT_TIMEOUT_MS, 10 s by default).
   */
  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    SilentPeer silent = SilentPeer.register(server.port());
    silentPeers.add(silent);
    return Optional.of(PeerAddress.of(silent.peerId()));
  }
}
