package dev.p2p.quic.internal;

import static dev.p2p.quic.internal.DirectRelayFallbackTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A relayed connection survives the death of its relay: both peers are logged in to two relays, the
 * one carrying the connection is shut down mid-transfer, and the connection moves to the other at
 * once (the login there already exists). 100,000 reliable messages arrive once, in order; the
 * longest time without a delivered message is printed and must stay within 3 s.
 */
@ExtendWith(NettyLeakCheck.class)
class RelayFailoverTest {
  private static final int MESSAGES = 100_000;

  @Test
  void killingTheRelayMovesTheConnectionToTheNextOne() throws Exception {
    RelayServer r1 = RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
    RelayServer r2 = RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_RELAY_SERVERS", r1.url() + "," + r2.url())
            .set("P2P_RELAY_ONLY", "true")
            .build();
    try (QuicP2PProvider a = QuicP2PProvider.create(config, Ed25519Identity.generate());
        QuicP2PProvider b = QuicP2PProvider.create(config, Ed25519Identity.generate())) {
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      a.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS).close(); // logs a in to both relays
      await(() -> r1.isLoggedIn(a.localPeerId()) && r2.isLoggedIn(a.localPeerId()), 10);
      await(() -> r1.isLoggedIn(b.localPeerId()) && r2.isLoggedIn(b.localPeerId()), 10);
      P2PConnection c = a.connect(b.localPeerId()).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      assertEquals(PathType.RELAYED, c.path().type());
      URI first = c.path().relay().orElseThrow();
      await(() -> s.path().relay().orElseThrow().equals(first), 5);
      RelayServer dying = first.equals(r1.url()) ? r1 : r2;
      RelayServer next = dying == r1 ? r2 : r1;

      PathEventRecorder events = PathEventRecorder.on(c);
      List<PathChangeEvent> paths = events.paths;
      List<ConnectionStateEvent> states = events.states;
      SequencedTransfer t = SequencedTransfer.start(c, s, MESSAGES);
      CompletableFuture<Void> sending = t.sendInBackground(120);
      t.awaitReceived(30_000, 60);
      dying.close();
      sending.get(120, TimeUnit.SECONDS);

      long gapMillis = TimeUnit.NANOSECONDS.toMillis(t.longestGapNanos.get());
      System.out.printf(
          "relay failover: %d messages, longest gap without a delivery %d ms%n",
          MESSAGES, gapMillis);
      assertEquals(MESSAGES, t.received.get());
      assertTrue(s.recv().getNow(null) == null, "no message beyond the last (no duplicates)");
      assertEquals(next.url(), c.path().relay().orElseThrow(), "the dialler's path");
      assertEquals(next.url(), s.path().relay().orElseThrow(), "the listener's path");
      assertEquals(1, paths.size(), "path events: " + paths);
      assertNotEquals(paths.get(0).previous(), paths.get(0).current());
      assertEquals(
          List.of(ConnectionState.FAILING_OVER, ConnectionState.CONNECTED),
          states.stream().map(ConnectionStateEvent::current).toList(),
          "state events: " + states);
      assertTrue(gapMillis <= 3000, "longest gap " + gapMillis + " ms, goal 3 s");
    } finally {
      r1.close();
      r2.close();
    }
  }
}
