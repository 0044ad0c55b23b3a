package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConfig;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.relay.NettyLeakCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Right after connecting, each side tells the other over QUIC how to probe it: each path then knows
 * the tag and key the other side's probes expect (what authenticates hole punching).
 */
@ExtendWith(NettyLeakCheck.class)
class TraversalExchangeTest {
  @Test
  void bothSidesLearnThePeersProbeSecretsOverQuic() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      PeerPath a = p.dialled.peerPath();
      PeerPath b = p.accepted.peerPath();
      DirectRelayFallbackTest.await(() -> a.keys.remote() != null && b.keys.remote() != null, 5);
      assertEquals(b.keys.localTag(), a.keys.remote().tag());
      assertEquals(a.keys.localTag(), b.keys.remote().tag());
      assertArrayEquals(b.keys.localKeyCopy(), a.keys.remote().key());
      assertArrayEquals(a.keys.localKeyCopy(), b.keys.remote().key());
    }
  }
}
