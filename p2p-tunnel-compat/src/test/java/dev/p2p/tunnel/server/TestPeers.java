package dev.p2p.tunnel.server;

import dev.p2p.api.PeerId;
import java.util.Random;

/** Deterministic peer ids for relay tests (no keys needed). */
final class TestPeers {
  private TestPeers() {}

  static PeerId peer(int n) {
    byte[] key = new byte[32];
    new Random(n).nextBytes(key);
    return PeerId.fromPublicKey(key);
  }
}
