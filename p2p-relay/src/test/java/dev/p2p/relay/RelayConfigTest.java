package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConfig;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.RelayRefusedException;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** P2P_RELAY_* keys, their range checks, port conflicts, and TLS. */
@ExtendWith(NettyLeakCheck.class)
class RelayConfigTest {
  private static P2PConfig config(String... kv) {
    P2PConfig.Builder b = P2PConfig.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.set(kv[i], kv[i + 1]);
    }
    return b.build();
  }

  @Test
  void keysAreReadThroughP2PConfig() {
    Ed25519Identity banned = Ed25519Identity.generate();
    try (RelayServer relay =
        RelayServer.builder()
            .config(
                config(
                    "P2P_RELAY_TOKEN", "tok",
                    "p2p.relay.banned", banned.peerId().toString(),
                    "P2P_RELAY_MAX_PACKET_SIZE", "5000",
                    "P2P_RELAY_QUEUE_PACKETS", "32",
                    "P2P_RELAY_PING_INTERVAL_MS", "1000",
                    "P2P_RELAY_IDLE_TIMEOUT_MS", "4000",
                    "P2P_RELAY_STUN_PORT", "-1"))
            .build()
            .start()) {
      assertTrue(relay.stunAddress().isEmpty());
      TestClient c = TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("tok"));
      assertEquals(5000, c.client().welcome().maxPacketSize());
      assertEquals(32, c.client().welcome().queuePackets());
      assertEquals(1000, c.client().welcome().pingIntervalMillis());
      assertEquals(4000, c.client().welcome().idleTimeoutMillis());
      CompletionException e =
          assertThrows(
              CompletionException.class,
              () -> TestClient.login(relay, banned, o -> o.withToken("tok")));
      assertEquals(CloseReason.BANNED, ((RelayRefusedException) e.getCause()).reason());
      c.close();
    }
  }

  @Test
  void threadsAreReadThroughP2PConfig() {
    assertEquals(1, RelayServer.builder().config(config("P2P_RELAY_THREADS", "1")).workerThreads);
    assertEquals(
        Math.max(1, Runtime.getRuntime().availableProcessors()),
        RelayServer.builder().config(config()).workerThreads);
  }

  @Test
  void busyPollIsReadThroughP2PConfig() {
    assertEquals(Duration.ofNanos(50_000), RelayServer.builder().config(config()).busyPoll);
    assertEquals(
        Duration.ZERO,
        RelayServer.builder().config(config("P2P_RELAY_BUSY_POLL_US", "0")).busyPoll);
    assertThrows(
        IllegalArgumentException.class,
        () -> RelayServer.builder().busyPoll(Duration.ofMillis(11)));
  }

  @Test
  void badValuesNameTheKeyAndTheRange() {
    for (String[] kv :
        new String[][] {
          {"P2P_RELAY_MAX_PACKET_SIZE", "10"},
          {"P2P_RELAY_QUEUE_PACKETS", "0"},
          {"P2P_RELAY_PORT", "70000"},
          {"P2P_RELAY_IDLE_TIMEOUT_MS", "soon"},
          {"P2P_RELAY_BANNED", "not-a-peer-id"},
          {"P2P_RELAY_TLS_CERT", "/tmp/only-the-cert.pem"},
          {"P2P_RELAY_TRANSPORT", "io_uring"},
          {"P2P_RELAY_THREADS", "0"},
          {"P2P_RELAY_BUSY_POLL_US", "20000"},
        }) {
      ConfigurationException e =
          assertThrows(
              ConfigurationException.class, () -> RelayServer.builder().config(config(kv)), kv[0]);
      String key = kv[0].equals("P2P_RELAY_TLS_CERT") ? "P2P_RELAY_TLS_KEY" : kv[0];
      assertTrue(e.getMessage().contains(key), e.getMessage());
    }
  }

  @Test
  void aPortInUseIsANetworkExceptionSayingWhatToDo() {
    try (RelayServer first = RelayServer.builder().build().start()) {
      NetworkException e =
          assertThrows(
              NetworkException.class,
              () -> RelayServer.builder().port(first.localAddress().getPort()).build().start());
      assertTrue(e.getMessage().contains("choose another port"), e.getMessage());
    }
  }

  @Test
  void tlsServesHttpsAndTheProtocolRunsOverWss() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
    try (RelayServer relay =
        RelayServer.builder()
            .stunPort(-1)
            .tls(cert.certificate(), cert.privateKey())
            .build()
            .start()) {
      assertEquals("https", relay.url().getScheme());
      var ssl =
          SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
      try (TestClient a = TestClient.login(relay, Ed25519Identity.generate(), o -> o.withSsl(ssl));
          TestClient b = TestClient.login(relay, Ed25519Identity.generate(), o -> o.withSsl(ssl))) {
        a.send(b, new byte[] {7, 7});
        assertArrayEquals(new byte[] {7, 7}, b.nextPacket(5000).data());
      }
    } finally {
      cert.delete();
    }
  }

  @Test
  void bothSocketTransportsForwardAndAnswerStun() throws Exception {
    // auto is epoll on Linux; NIO is what every other machine gets, so it must work here too;
    // each with its loops busy-polling (the default) and sleeping at once.
    for (String kind : new String[] {"nio", "auto", "nio:0", "auto:0"}) {
      String[] kv = kind.split(":");
      String busy = kv.length > 1 ? kv[1] : "50";
      try (RelayServer relay =
          RelayServer.builder()
              .config(config("P2P_RELAY_TRANSPORT", kv[0], "P2P_RELAY_BUSY_POLL_US", busy))
              .build()
              .start()) {
        try (TestClient a = TestClient.login(relay);
            TestClient b = TestClient.login(relay)) {
          a.send(b, new byte[] {9});
          assertArrayEquals(new byte[] {9}, b.nextPacket(5000).data(), kind);
        }
        try (java.net.DatagramSocket s =
            new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
          s.setSoTimeout(2000);
          byte[] req = StunTest.request(new byte[12], true, false);
          s.send(new java.net.DatagramPacket(req, req.length, relay.stunAddress().orElseThrow()));
          s.receive(new java.net.DatagramPacket(new byte[1500], 1500));
        }
      }
    }
  }

  @Test
  void ipv6LoopbackServesTheRelayAndStun() throws Exception {
    try (RelayServer relay = RelayServer.builder().host("::1").build().start()) {
      assertEquals("[::1]", relay.url().getHost());
      try (TestClient a = TestClient.login(relay);
          TestClient b = TestClient.login(relay)) {
        a.send(b, new byte[] {6});
        assertArrayEquals(new byte[] {6}, b.nextPacket(5000).data());
      }
      java.net.InetSocketAddress stun = relay.stunAddress().orElseThrow();
      try (java.net.DatagramSocket s =
          new java.net.DatagramSocket(new java.net.InetSocketAddress("::1", 0))) {
        s.setSoTimeout(2000);
        byte[] req = StunTest.request(new byte[12], true, false);
        s.send(new java.net.DatagramPacket(req, req.length, stun));
        java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[1500], 1500);
        s.receive(p);
        assertEquals(
            s.getLocalSocketAddress(),
            dev.p2p.relay.internal.StunCodec.mappedAddress(
                io.netty.buffer.Unpooled.wrappedBuffer(p.getData(), 0, p.getLength())));
      }
    }
  }

  @Test
  void unusableTlsFilesAreAConfigurationException() {
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class,
            () ->
                RelayServer.builder()
                    .tls(
                        new java.io.File("/nonexistent/cert.pem"),
                        new java.io.File("/nonexistent/key.pem"))
                    .build()
                    .start());
    assertTrue(e.getMessage().contains("cert.pem"), e.getMessage());
  }
}
