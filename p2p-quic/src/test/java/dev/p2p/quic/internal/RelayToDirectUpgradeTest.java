package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connection that starts on the relay (dialled by peer id while the direct path is blackholed)
 * moves to the direct path once its authenticated probes are answered, back to the relay when the
 * direct path is blackholed again, and direct again: 100,000 reliable messages meanwhile, each
 * arriving once and in order (issue 12's relay -> direct -> relay -> direct).
 */
@ExtendWith(NettyLeakCheck.class)
class RelayToDirectUpgradeTest {
  private static final int MESSAGES = 100_000;

  @Test
  void relayToDirectToRelayToDirectLosesNothing() throws Exception {
    try (RelayServer relay =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start();
        QuicP2PProvider a =
            QuicP2PProvider.create(
                DirectRelayFallbackTest.config(relay.url().toString()),
                Ed25519Identity.generate());
        QuicP2PProvider b =
            QuicP2PProvider.create(
                DirectRelayFallbackTest.config(relay.url().toString()),
                Ed25519Identity.generate())) {
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      a.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS).close();
      a.pathLayer().simulateDirectOutage(true);
      P2PConnection c = a.connect(PeerAddress.of(b.localPeerId())).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      assertEquals(PathType.RELAYED, c.path().type(), "starts on the relay");

      List<PathChangeEvent> paths = new CopyOnWriteArrayList<>();
      List<ConnectionStateEvent> states = new CopyOnWriteArrayList<>();
      c.addListener(
          new ConnectionListener() {
            @Override
            public void pathChanged(PathChangeEvent e) {
              paths.add(e);
            }

            @Override
            public void stateChanged(ConnectionStateEvent e) {
              states.add(e);
            }
          });
      SequencedTransfer t = SequencedTransfer.start(c, s, MESSAGES);
      CompletableFuture<Void> sending =
          CompletableFuture.runAsync(
              () -> {
                try {
                  t.sendAllAndAwait(180);
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              });
      t.awaitReceived(15_000, 60);
      assertEquals(PathType.RELAYED, c.path().type(), "still relayed while direct is blackholed");
      long open = System.nanoTime();
      a.pathLayer().simulateDirectOutage(false);
      DirectRelayFallbackTest.await(
          () -> c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT, 15);
      long upgraded = System.nanoTime();
      int atDirect = t.received.get();
      t.awaitReceived(atDirect + 15_000, 60);
      a.pathLayer().simulateDirectOutage(true);
      DirectRelayFallbackTest.await(
          () -> c.path().type() == PathType.RELAYED && s.path().type() == PathType.RELAYED, 15);
      int atRelay = t.received.get();
      t.awaitReceived(atRelay + 15_000, 60);
      a.pathLayer().simulateDirectOutage(false);
      DirectRelayFallbackTest.await(
          () -> c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT, 15);
      sending.get(180, TimeUnit.SECONDS);

      assertEquals(MESSAGES, t.received.get());
      assertNull(s.recv().getNow(null), "no message beyond the last (no duplicates)");
      assertEquals(
          List.of(PathType.DIRECT, PathType.RELAYED, PathType.DIRECT),
          paths.stream().map(e -> e.current().type()).toList(),
          "path events: " + paths);
      assertTrue(paths.get(0).reason().contains("probe confirmed"), paths.get(0).reason());
      assertTrue(paths.get(2).reason().contains("probe confirmed"), paths.get(2).reason());
      assertEquals(
          List.of(ConnectionState.FAILING_OVER, ConnectionState.CONNECTED),
          states.stream().map(ConnectionStateEvent::current).toList(),
          "state events: " + states);
      System.out.printf(
          "relay -> direct -> relay -> direct: %d messages, longest gap %d ms, direct %d ms after"
              + " the blackhole lifted%n",
          MESSAGES,
          TimeUnit.NANOSECONDS.toMillis(t.longestGapNanos.get()),
          TimeUnit.NANOSECONDS.toMillis(upgraded - open));
    }
  }
}
