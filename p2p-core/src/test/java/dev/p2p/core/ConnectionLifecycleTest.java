package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PeerId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConnectionLifecycleTest {
  private static final PeerId PEER = PeerId.fromPublicKey(new byte[32]);

  @Test
  void eventsReachListenersInOrderOneAtATimeFromAPool() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      ConnectionLifecycle life =
          new ConnectionLifecycle(PEER, ConnectionState.CONNECTING, Path.direct(), pool);
      List<String> seen = Collections.synchronizedList(new ArrayList<>());
      int[] inside = {0};
      life.addListener(
          new ConnectionListener() {
            @Override
            public void stateChanged(ConnectionStateEvent e) {
              enter();
              seen.add(e.current().name());
              inside[0]--;
            }

            @Override
            public void pathChanged(PathChangeEvent e) {
              enter();
              seen.add("path " + e.current());
              inside[0]--;
            }

            private synchronized void enter() {
              assertEquals(0, inside[0]++, "two events at once");
            }
          });
      life.transition(ConnectionState.AUTHENTICATING, "hello");
      life.transition(ConnectionState.CONNECTED, "verified");
      life.pathChanged(Path.direct(new InetSocketAddress("198.18.0.2", 4433)), "moved");
      life.pathChanged(Path.direct(new InetSocketAddress("198.18.0.2", 4433)), "same: no event");
      life.transition(ConnectionState.DISCONNECTING, "bye");
      life.closed("closed");
      life.closeFuture().get(5, TimeUnit.SECONDS);
      pool.shutdown();
      assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
      assertEquals(
          List.of(
              "AUTHENTICATING",
              "CONNECTED",
              "path DIRECT 198.18.0.2:4433",
              "DISCONNECTING",
              "CLOSED"),
          seen);
      assertEquals("bye", life.closeReason());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void closedIsFinalAndTheCallerCannotSettleIt() throws Exception {
    ConnectionLifecycle life =
        new ConnectionLifecycle(PEER, ConnectionState.CONNECTED, Path.relayed(), Runnable::run);
    life.closeFuture().complete(null); // an application mistake does not settle the connection
    assertTrue(life.failed("peer vanished", life.notAcknowledged("no packet for 30 s", 3, 300)));
    assertFalse(life.closed("late"));
    assertFalse(life.transition(ConnectionState.CONNECTED, "late"));
    assertEquals(ConnectionState.CLOSED, life.state());
  }

  @Test
  void failedCloseFutureSaysWhyAndHowMuchWasNotAcknowledged() {
    ConnectionLifecycle life =
        new ConnectionLifecycle(PEER, ConnectionState.CONNECTED, Path.direct(), Runnable::run);
    life.failed("idle", life.notAcknowledged("no packet from the peer for 30 s", 12, 4096));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> life.closeFuture().get(1, TimeUnit.SECONDS));
    assertInstanceOf(ConnectionClosedException.class, e.getCause());
    String m = e.getCause().getMessage();
    assertTrue(m.contains("no packet from the peer for 30 s"), m);
    assertTrue(m.contains("12 messages, 4096 bytes were not acknowledged"), m);
  }

  @Test
  void closedCannotBeReachedByTransition() {
    ConnectionLifecycle life =
        new ConnectionLifecycle(PEER, ConnectionState.CONNECTED, Path.direct(), Runnable::run);
    assertThrows(
        IllegalArgumentException.class, () -> life.transition(ConnectionState.CLOSED, "x"));
  }
}
