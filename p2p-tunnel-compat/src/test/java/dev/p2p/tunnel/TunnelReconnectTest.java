package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.tunnel.internal.TunnelProtocol;
import dev.p2p.tunnel.server.TunnelServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tunnel server goes away and comes back: clients reconnect and say so. */
class TunnelReconnectTest {
  private TunnelServer server = TunnelServer.builder().port(0).start();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    server.close();
  }

  private static final class States implements ConnectionListener {
    final BlockingQueue<ConnectionStateEvent> events = new LinkedBlockingQueue<>();

    @Override
    public void stateChanged(ConnectionStateEvent e) {
      events.add(e);
    }

    ConnectionStateEvent next() throws InterruptedException {
      ConnectionStateEvent e = events.poll(15, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("no state change within 15 s");
      }
      return e;
    }
  }

  private P2PConnection[] connectedPair(String reconnectTimeoutMs) throws Exception {
    return connectedPair(
        P2PConfig.builder()
            .implementation("tunnel")
            .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port())
            .set("P2P_TUNNEL_RECONNECT_TIMEOUT_MS", reconnectTimeoutMs)
            .build());
  }

  private P2PConnection[] connectedPair(P2PConfig config) throws Exception {
    P2PProvider a = P2P.open(config);
    P2PProvider b = P2P.open(config);
    closing.add(a);
    closing.add(b);
    P2PListener listener = await(b.listen(""));
    closing.add(listener);
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    return new P2PConnection[] {out, await(in)};
  }

  @Test
  void clientsReconnectAfterAServerRestartAndResumeTheirConnections() throws Exception {
    P2PConnection[] c = connectedPair("20000");
    await(c[0].send(new byte[] {1}));
    assertArrayEquals(new byte[] {1}, await(c[1].recv()));
    States atA = new States();
    States atB = new States();
    c[0].addListener(atA);
    c[1].addListener(atB);

    int port = server.port();
    server.close();
    ConnectionStateEvent lostA = atA.next();
    assertEquals(ConnectionState.RECONNECTING, lostA.current());
    assertEquals(ConnectionState.RECONNECTING, atB.next().current());
    assertEquals(ConnectionState.RECONNECTING, c[0].state());

    // While the server is down a send fails at once, with a clear reason, instead of vanishing.
    NetworkException down =
        assertThrows(NetworkException.class, () -> await(c[0].send(new byte[] {2})));
    assertTrue(down.getMessage().contains("not sent"), down.getMessage());
    CompletableFuture<byte[]> pending = c[1].recv();

    server = TunnelServer.builder().port(port).start();
    assertEquals(ConnectionState.CONNECTED, atA.next().current());
    assertEquals(ConnectionState.CONNECTED, atB.next().current());

    await(c[0].send(new byte[] {3}));
    assertArrayEquals(new byte[] {3}, await(pending), "the failed message was never delivered");
    await(c[1].send(new byte[] {4}));
    assertArrayEquals(new byte[] {4}, await(c[0].recv()));
    assertEquals(2, c[0].stats().messagesSent(), "only accepted messages count");
  }

  @Test
  void connectionsCloseWhenTheServerStaysAway() throws Exception {
    P2PConnection[] c = connectedPair("300");
    States atA = new States();
    c[0].addListener(atA);
    CompletableFuture<byte[]> pending = c[0].recv();
    server.close();
    assertEquals(ConnectionState.RECONNECTING, atA.next().current());
    assertEquals(ConnectionState.DISCONNECTING, atA.next().current());
    ConnectionStateEvent closed = atA.next();
    assertEquals(ConnectionState.CLOSED, closed.current());
    assertTrue(closed.reason().contains("P2P_TUNNEL_RECONNECT_TIMEOUT_MS"), closed.reason());
    assertThrows(ConnectionClosedException.class, () -> await(pending));
    assertThrows(ConnectionClosedException.class, () -> await(c[0].send(new byte[1])));
  }

  /**
   * A server restart under a receiver that reads nothing. Flow control keeps at most one window in
   * flight, so what the dead server held is small: every message whose send was accepted either
   * arrives, in order and once, or the connection closes saying how many were lost; the sends that
   * were still waiting fail with "not sent". Nothing is skipped silently.
   */
  @Test
  void aServerRestartUnderAStalledReceiverLosesNothingSilently() throws Exception {
    int size = 16 * 1024;
    P2PConnection[] c =
        connectedPair(
            P2PConfig.builder()
                .implementation("tunnel")
                .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port())
                .set("P2P_TUNNEL_RECONNECT_TIMEOUT_MS", "20000")
                .set("P2P_KEEPALIVE_MS", "200")
                .maxMessageSize(size)
                .set("P2P_TUNNEL_RECEIVE_BUFFER", Integer.toString(size))
                .build());
    States atA = new States();
    c[0].addListener(atA);
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    int count = 2 * TunnelProtocol.INITIAL_WINDOW / size; // twice what the window lets out
    for (int i = 0; i < count; i++) {
      byte[] m = new byte[size];
      m[0] = (byte) i;
      m[1] = (byte) (i >> 8);
      sends.add(c[0].send(m));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long done = -1;
    while (System.nanoTime() < deadline) {
      long now = sends.stream().filter(CompletableFuture::isDone).count();
      if (now == done) {
        break;
      }
      done = now;
      Thread.sleep(200);
    }
    int port = server.port();
    server.close();
    assertEquals(ConnectionState.RECONNECTING, atA.next().current());
    server = TunnelServer.builder().port(port).start();
    ConnectionStateEvent event = atA.next();
    assertTrue(
        event.current() == ConnectionState.CONNECTED || event.reason().contains("lost"),
        event.current() + ": " + event.reason());

    int accepted = 0;
    for (CompletableFuture<Void> f : sends) {
      try {
        f.get(10, TimeUnit.SECONDS);
        accepted++;
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof NetworkException, e.getCause().toString());
        assertTrue(e.getCause().getMessage().contains("not"), e.getCause().getMessage());
      }
    }
    assertTrue(accepted < count, "the stalled receiver held the sender back");
    int read = 0;
    while (true) {
      byte[] m;
      try {
        m =
            c[1].recv()
                .get(event.current() == ConnectionState.CONNECTED ? 2 : 10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        break; // resumed: nothing more was sent
      } catch (java.util.concurrent.ExecutionException e) {
        assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
        break;
      }
      assertEquals((byte) read, m[0], "message " + read);
      assertEquals((byte) (read >> 8), m[1], "message " + read);
      read++;
    }
    if (event.current() == ConnectionState.CONNECTED) {
      assertEquals(accepted, read, "every accepted message arrived");
    }
  }
}
