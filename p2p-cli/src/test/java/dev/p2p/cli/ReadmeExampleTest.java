package dev.p2p.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.Delivery;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathType;
import dev.p2p.tunnel.server.TunnelServer;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the README's opening example true: the same code on every provider; only the listen address
 * is in the provider's own form (the tunnel's names its server, "" for the configured one).
 */
class ReadmeExampleTest {

  @ParameterizedTest
  @ValueSource(strings = {"simulator", "quic", "tunnel"})
  void theReadmeExampleRuns(String implementation) throws Exception {
    try (TunnelServer tunnel = TunnelServer.builder().port(0).start()) {
      P2PConfig config =
          P2PConfig.builder()
              .implementation(implementation)
              .set("SIMULATOR_P2P_FAILURE_RATE", "0")
              .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + tunnel.port())
              .build();
      String listenAddress = implementation.equals("tunnel") ? "" : "127.0.0.1:0";
      runExample(config, listenAddress, implementation);
    }
  }

  private static void runExample(P2PConfig config, String listenAddress, String implementation)
      throws Exception {
    BlockingQueue<String> printed = new LinkedBlockingQueue<>();
    CountDownLatch peerClosed = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    P2PConnection conn;
    try (P2PProvider server = P2P.open(config);
        P2PProvider client = P2P.open(config)) {
      P2PListener listener = server.listen(listenAddress).get(10, TimeUnit.SECONDS);
      CompletableFuture<P2PConnection> incoming = listener.accept();
      conn = client.connect(listener.peerAddress()).get(10, TimeUnit.SECONDS);
      P2PConnection peer = incoming.get(10, TimeUnit.SECONDS);

      peer.messages()
          .subscribe(
              new Flow.Subscriber<>() {
                Flow.Subscription s;

                @Override
                public void onSubscribe(Flow.Subscription s) {
                  (this.s = s).request(16);
                }

                @Override
                public void onNext(byte[] m) {
                  printed.add(new String(m, UTF_8));
                  s.request(1);
                }

                @Override
                public void onError(Throwable e) {
                  failure.set(e);
                }

                @Override
                public void onComplete() {
                  peerClosed.countDown();
                }
              });
      conn.send("hello".getBytes(UTF_8));
      conn.send("ping".getBytes(UTF_8), Delivery.UNRELIABLE);
      assertEquals(
          implementation.equals("tunnel") ? PathType.RELAYED : PathType.DIRECT, conn.path().type());
      assertEquals("hello", nextOf(printed, "hello"));
      conn.close();
      conn.closeFuture().get(10, TimeUnit.SECONDS);
      assertTrue(peerClosed.await(10, TimeUnit.SECONDS), "the subscriber saw the peer close");
      assertNull(failure.get());
    }
    assertEquals(9, conn.stats().bytesSent(), "payload bytes of both sends");
  }

  /** The next reliable message, skipping the datagram (it may arrive first, or not at all). */
  private static String nextOf(BlockingQueue<String> printed, String wanted)
      throws InterruptedException {
    while (true) {
      String m = printed.poll(10, TimeUnit.SECONDS);
      if (m == null || m.equals(wanted)) {
        return m;
      }
    }
  }

  @Test
  void withNothingConfiguredTheHighestPriorityProviderIsChosen() {
    assertEquals("quic", P2P.factory(P2PConfig.empty()).name());
    assertEquals(List.of("quic", "tunnel", "simulator"), P2P.providers());
  }
}
