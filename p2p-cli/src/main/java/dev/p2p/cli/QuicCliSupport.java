package dev.p2p.cli;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import java.nio.file.Path;

/** What the listen and connect commands share: opening a QUIC peer. */
final class QuicCliSupport {
  private QuicCliSupport() {}

  static P2PProvider open(Path keyFile) {
    P2PConfig.Builder config = P2PConfig.fromEnvironment().toBuilder().implementation("quic");
    if (keyFile != null) {
      config.set("P2P_KEY_FILE", keyFile.toString());
    }
    return P2P.open(config.build());
  }
}
