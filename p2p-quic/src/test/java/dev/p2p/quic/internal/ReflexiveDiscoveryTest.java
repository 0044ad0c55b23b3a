package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConfig;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The provider learns its reflexive address by STUN from its own QUIC socket at the relay's STUN
 * port, which the relay's welcome named: on loopback that is the socket's own address and port,
 * which only a request sent from the QUIC socket itself can show.
 */
@ExtendWith(NettyLeakCheck.class)
class ReflexiveDiscoveryTest {
  @Test
  void stunAtTheRelayFromTheQuicSocketGivesTheSocketsOwnMapping() throws Exception {
    try (RelayServer relay =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start();
        QuicP2PProvider p =
            QuicP2PProvider.create(
                P2PConfig.builder().set("P2P_RELAY_SERVERS", relay.url().toString()).build(),
                Ed25519Identity.generate())) {
      p.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      DirectRelayFallbackTest.await(() -> !p.pathLayer().reflexiveAddresses().isEmpty(), 10);
      assertEquals(
          List.of(new InetSocketAddress("127.0.0.1", p.boundAddress().getPort())),
          p.pathLayer().reflexiveAddresses());
    }
  }
}
