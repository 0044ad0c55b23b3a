package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.tunnel.server.TunnelServer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Finding 7 of issue 10: a receiver that stops reading must slow its own sender on that connection
 * and nothing else: not the sender's other connections, not its keep-alives.
 */
class TunnelSlowReceiverTest {
  private static final Duration SERVER_IDLE = Duration.ofMillis(1500);

  @RegisterExtension
  final TunnelLab lab = new TunnelLab(TunnelServer.builder().port(0).idleTimeout(SERVER_IDLE));

  private P2PProvider open() {
    return lab.open(
        "P2P_KEEPALIVE_MS",
        "200",
        "P2P_IDLE_TIMEOUT_MS",
        "1000",
        "P2P_MAX_MESSAGE_SIZE",
        Integer.toString(64 * 1024),
        "P2P_TUNNEL_RECEIVE_BUFFER",
        Integer.toString(64 * 1024));
  }

  private static P2PConnection[] pair(P2PProvider a, P2PListener listener, P2PProvider b)
      throws Exception {
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    return new P2PConnection[] {out, await(in)};
  }

  @Test
  void aStalledReceiverStallsOnlyItsOwnConnection() throws Exception {
    P2PProvider sender = open();
    P2PProvider stalled = open();
    P2PProvider reader = open();
    P2PConnection[] slow = pair(sender, await(stalled.listen("")), stalled);
    P2PConnection[] fast = pair(sender, await(reader.listen("")), reader);

    // Fill everything between the sender and the receiver that never reads.
    CompletableFuture<Void> blocked = null;
    int sent = 0;
    for (; sent < 4000 && blocked == null; sent++) {
      CompletableFuture<Void> f = slow[0].send(new byte[64 * 1024]);
      try {
        f.get(500, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        blocked = f;
      }
    }
    assertTrue(blocked != null, "a send to a receiver that does not read must wait");

    // The sender's other connection and its session stay alive well past every idle timeout.
    long until = System.nanoTime() + 3 * SERVER_IDLE.toNanos();
    int i = 0;
    while (System.nanoTime() < until) {
      byte[] m = {(byte) i, (byte) (i >> 8)};
      fast[0].send(m).get(2, TimeUnit.SECONDS);
      assertArrayEquals(m, fast[1].recv().get(2, TimeUnit.SECONDS), "message " + i);
      i++;
      Thread.sleep(20); // real sockets and real timers: pace the probe
    }
    assertEquals(ConnectionState.CONNECTED, slow[0].state(), "the slow connection was dropped");
    assertEquals(ConnectionState.CONNECTED, fast[0].state());
    assertFalse(blocked.isDone(), "the stalled receiver still holds its sender back");

    // Once the receiver reads, everything arrives in order and the sender goes on.
    for (int k = 0; k < sent; k++) {
      assertEquals(64 * 1024, await(slow[1].recv()).length, "message " + k);
    }
    await(blocked);
  }
}
