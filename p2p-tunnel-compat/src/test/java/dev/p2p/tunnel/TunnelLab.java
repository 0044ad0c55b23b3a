package dev.p2p.tunnel;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.tunnel.server.TunnelServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A tunnel server on a free loopback port and the providers a test opens against it, all closed
 * after the test, providers first. Register with {@code @RegisterExtension}.
 */
final class TunnelLab implements AfterEachCallback {
  private final TunnelServer server;
  private final List<P2PProvider> providers = new ArrayList<>();

  TunnelLab() {
    this(TunnelServer.builder().port(0));
  }

  TunnelLab(TunnelServer.Builder server) {
    this.server = server.start();
  }

  TunnelServer server() {
    return server;
  }

  /** A tunnel provider on this lab's server, with extra settings as key, value pairs. */
  P2PProvider open(String... settings) {
    if (settings.length % 2 != 0) {
      throw new IllegalArgumentException("settings come in key, value pairs");
    }
    P2PConfig.Builder config =
        P2PConfig.builder()
            .implementation("tunnel")
            .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port());
    for (int i = 0; i < settings.length; i += 2) {
      config.set(settings[i], settings[i + 1]);
    }
    P2PProvider p = P2P.open(config.build());
    providers.add(p);
    return p;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    for (int i = providers.size() - 1; i >= 0; i--) {
      providers.get(i).close();
    }
    server.close();
  }
}
