package dev.p2p.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.Delivery;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keeps the README's opening example true: the same code on every provider that needs no server.
 */
class ReadmeExampleTest {

  @ParameterizedTest
  @ValueSource(strings = {"simulator", "quic"})
  void theReadmeExampleRuns(String implementation) throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .implementation(implementation)
            .set("SIMULATOR_P2P_FAILURE_RATE", "0")
            .build();
    try (P2PProvider server = P2P.open(config);
        P2PProvider client = P2P.open(config)) {
      P2PListener listener = server.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      CompletableFuture<P2PConnection> incoming = listener.accept();
      P2PConnection conn = client.connect(listener.peerAddress()).get(10, TimeUnit.SECONDS);
      P2PConnection peer = incoming.get(10, TimeUnit.SECONDS);

      conn.send("hello".getBytes(UTF_8)).get(10, TimeUnit.SECONDS);
      assertEquals("hello", new String(peer.recv().get(10, TimeUnit.SECONDS), UTF_8));
      conn.send(new byte[] {1, 2, 3}, Delivery.UNRELIABLE).get(10, TimeUnit.SECONDS);
      assertEquals(5 + 3, conn.stats().bytesSent(), "payload bytes of both sends");
    }
  }

  @Test
  void withNothingConfiguredTheHighestPriorityProviderIsChosen() {
    assertEquals("quic", P2P.factory(P2PConfig.empty()).name());
    assertEquals(List.of("quic", "tunnel", "simulator"), P2P.providers());
  }
}
