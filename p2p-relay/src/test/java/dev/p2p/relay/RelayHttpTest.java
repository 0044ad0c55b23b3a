package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.PeerKey;
import io.netty.buffer.Unpooled;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** /healthz, /metrics (Prometheus text) and 404s, with a plain HTTP client. */
@ExtendWith(NettyLeakCheck.class)
class RelayHttpTest {
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RelayServer relay;

  @BeforeEach
  void start() {
    relay = RelayServer.builder().stunPort(-1).accessToken("t").build().start();
  }

  @AfterEach
  void stop() {
    relay.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(relay.url() + path))
            .timeout(Duration.ofSeconds(5))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzAnswers200() throws Exception {
    HttpResponse<String> r = get("/healthz");
    assertEquals(200, r.statusCode());
    assertEquals("ok\n", r.body());
    assertEquals(
        "0", r.headers().firstValue("P2P-Stun-Port").orElse(null), "this relay has no STUN");
  }

  @Test
  void unknownPathsAre404AndRelayWithoutUpgradeIs400() throws Exception {
    assertEquals(404, get("/nope").statusCode());
    HttpResponse<String> r = get("/relay");
    assertEquals(400, r.statusCode());
    assertTrue(r.body().contains("not a WebSocket handshake"), r.body());
  }

  @Test
  void metricsCountClientsPacketsBytesDropsAndAuthFailures() throws Exception {
    try (TestClient a = TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("t"));
        TestClient b = TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("t"))) {
      a.send(b, new byte[100]);
      a.send(b, new byte[23]);
      b.nextPacket(5000);
      b.nextPacket(5000);
      a.client()
          .send(
              PeerKey.of(Ed25519Identity.generate().peerId()), Unpooled.wrappedBuffer(new byte[1]));
      a.gone().poll(5, TimeUnit.SECONDS);
      try {
        TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("wrong"));
      } catch (RuntimeException expected) {
        // counted below
      }
      TestClient.awaitMetric(relay, "p2p_relay_packets_forwarded_total 2.0");
      HttpResponse<String> r = get("/metrics");
      assertEquals(200, r.statusCode());
      assertTrue(
          r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"),
          r.headers().toString());
      String m = r.body();
      for (String expected :
          new String[] {
            "# TYPE p2p_relay_clients gauge",
            "p2p_relay_clients 2.0",
            "# TYPE p2p_relay_packets_forwarded_total counter",
            "p2p_relay_packets_forwarded_total 2.0",
            "p2p_relay_bytes_forwarded_total 123.0",
            "p2p_relay_packets_dropped_total{reason=\"no_destination\"} 1.0",
            "p2p_relay_packets_dropped_total{reason=\"queue_full\"} 0.0",
            "p2p_relay_auth_failures_total{reason=\"unauthorized\"} 1.0",
            "p2p_relay_rate_limited_total 0.0",
            "p2p_relay_rate_limited_clients 0.0",
            "p2p_relay_logins_total 2.0",
          }) {
        assertTrue(m.contains(expected), "missing '" + expected + "' in\n" + m);
      }
    }
  }
}
