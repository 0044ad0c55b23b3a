package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code listen()} means reachable through every configured relay, not only the first to welcome
 * us: a dialler that shares only the slower relay finds the listener by {@code PeerId} as soon as
 * {@code listen()} returned. A relay that never answers delays {@code listen()} by the grace period
 * only. (The user-space NAT matrix failed this way at load 10: the listener on one relay, the
 * dialler on the other, "not logged in".)
 */
@ExtendWith(NettyLeakCheck.class)
class RelayLoginsBeforeListenTest {
  private static P2PConfig relayOnly(String relays) {
    return P2PConfig.builder()
        .set("P2P_RELAY_SERVERS", relays)
        .set("P2P_RELAY_ONLY", "true")
        .set("P2P_CONNECT_TIMEOUT_MS", "20000")
        .build();
  }

  @Test
  void aDiallerOnTheSlowerRelayFindsTheListenerOnceListenReturned() throws Exception {
    try (RelayServer fast =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
        RelayServer slow =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
        DelayingTcpProxy slowLogins =
            new DelayingTcpProxy(
                new InetSocketAddress("127.0.0.1", slow.url().getPort()), Duration.ofMillis(800));
        QuicP2PProvider listener =
            QuicP2PProvider.create(
                relayOnly(fast.url() + "," + slowLogins.url()), Ed25519Identity.generate());
        QuicP2PProvider dialler =
            QuicP2PProvider.create(relayOnly(slow.url().toString()), Ed25519Identity.generate())) {
      dialler.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS).close();
      P2PListener l = listener.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      P2PConnection c =
          dialler.connect(PeerAddress.of(listener.localPeerId())).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      assertEquals(PathType.RELAYED, c.path().type());
      c.send(new byte[] {7}).get(10, TimeUnit.SECONDS);
      assertArrayEquals(new byte[] {7}, s.recv().get(10, TimeUnit.SECONDS));
    }
  }

  @Test
  void aRelayThatNeverAnswersDelaysListenByTheGraceOnly() throws Exception {
    try (RelayServer up =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
        DelayingTcpProxy blackhole = new DelayingTcpProxy(null, Duration.ZERO);
        QuicP2PProvider listener =
            QuicP2PProvider.create(
                relayOnly(up.url() + "," + blackhole.url()), Ed25519Identity.generate())) {
      long start = System.nanoTime();
      // Without the grace, half the 20 s connect timeout.
      listener
          .listen("127.0.0.1:0")
          .get(QuicRendezvous.OTHER_LOGINS_GRACE_MS + 3000, TimeUnit.MILLISECONDS);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("listen() with one silent relay took %d ms%n", tookMs);
    }
  }
}
