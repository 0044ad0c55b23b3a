package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connection on the direct path moves to the relay when the direct path is blackholed (the path
 * timeout passes with no answer: FAILING_OVER, then CONNECTED, a path event each time) and back to
 * direct once the direct path answers the path layer's probes again, while 100,000 reliable
 * messages flow: each arrives once, in order.
 */
@ExtendWith(NettyLeakCheck.class)
class DirectRelayFallbackTest {
  private static final int MESSAGES = 100_000;

  static P2PConfig config(String relays) {
    return P2PConfig.builder()
        .set("P2P_RELAY_SERVERS", relays)
        .set("P2P_PATH_TIMEOUT_MS", "1000")
        .set("P2P_PATH_PROBE_MS", "300")
        .build();
  }

  @Test
  void directToRelayAndBackLosesNothing() throws Exception {
    try (RelayServer relay =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
        QuicP2PProvider a =
            QuicP2PProvider.create(config(relay.url().toString()), Ed25519Identity.generate());
        QuicP2PProvider b =
            QuicP2PProvider.create(config(relay.url().toString()), Ed25519Identity.generate())) {
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      assertTrue(l.peerAddress().relay().isPresent(), "the ticket carries the relay");
      P2PConnection c = a.connect(l.peerAddress()).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      // Whichever route answered first, the direct one takes over once it answers.
      await(() -> c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT, 10);

      PathEventRecorder events = PathEventRecorder.on(c);
      List<PathChangeEvent> paths = events.paths;
      List<ConnectionStateEvent> states = events.states;

      SequencedTransfer t = SequencedTransfer.start(c, s, MESSAGES);
      CompletableFuture<Void> sending = t.sendInBackground(120);
      t.awaitReceived(20_000, 60);
      a.pathLayer().simulateDirectOutage(true);
      await(() -> c.path().type() == PathType.RELAYED && s.path().type() == PathType.RELAYED, 15);
      int atRelay = t.received.get();
      t.awaitReceived(atRelay + 20_000, 60); // traffic really flows over the relay
      a.pathLayer().simulateDirectOutage(false);
      await(() -> c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT, 15);
      sending.get(120, TimeUnit.SECONDS);

      assertEquals(MESSAGES, t.received.get());
      assertTrue(s.recv().getNow(null) == null, "no message beyond the last (no duplicates)");
      assertEquals(
          List.of(PathType.RELAYED, PathType.DIRECT),
          paths.stream().map(e -> e.current().type()).toList(),
          "path events: " + paths);
      assertTrue(
          paths.get(0).reason().contains("no answer on the direct path"), paths.get(0).reason());
      assertEquals(relay.url(), paths.get(0).current().relay().orElseThrow());
      assertEquals(
          List.of(ConnectionState.FAILING_OVER, ConnectionState.CONNECTED),
          states.stream().map(ConnectionStateEvent::current).toList(),
          "state events: " + states);
      System.out.printf(
          "direct -> relay -> direct: %d messages, longest gap %d ms%n",
          MESSAGES, TimeUnit.NANOSECONDS.toMillis(t.longestGapNanos.get()));
    }
  }

  static void await(BooleanSupplier condition, int seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within " + seconds + " s");
      }
      Thread.sleep(10);
    }
  }
}
