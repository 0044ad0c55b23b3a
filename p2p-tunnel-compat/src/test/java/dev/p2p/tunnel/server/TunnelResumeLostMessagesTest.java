package dev.p2p.tunnel.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.FailReason;
import dev.p2p.tunnel.internal.TunnelFrame;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The "lost messages" path of a server restart: messages that were inside the server when it went
 * away cannot be resent, so the resumed connection is refused and closed, and the close says how
 * many were lost. A raw client plays the initiator so the test decides exactly what was lost (a
 * real one loses whatever the dead server happened to hold).
 */
class TunnelResumeLostMessagesTest {
  private TunnelServer server = TunnelServer.builder().port(0).start();
  private P2PProvider provider;

  @AfterEach
  void stop() {
    if (provider != null) {
      provider.close();
    }
    server.close();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void aResumeThatSkipsMessagesClosesTheConnectionAndSaysHowManyWereLost() throws Exception {
    provider =
        P2P.open(
            P2PConfig.builder()
                .implementation("tunnel")
                .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port())
                .set("P2P_TUNNEL_RECONNECT_TIMEOUT_MS", "20000")
                .build());
    P2PListener listener = provider.listen("").get(10, TimeUnit.SECONDS);
    CompletableFuture<P2PConnection> accepted = listener.accept();
    Ed25519Identity id = Ed25519Identity.generate();
    int port = 2;
    P2PConnection conn;
    // Open until the server goes: a client that leaves a live server ends its connections.
    try (RawTunnelClient raw = RawTunnelClient.connect(server, id, 0)) {
      assertInstanceOf(TunnelFrame.Registered.class, raw.registerWithFlowControl());
      raw.requestConnection(1, provider.localPeerId(), port);
      long connectionId = raw.expect(TunnelFrame.ConnectAccepted.class).connectionId();
      conn = accepted.get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 3; i++) {
        raw.sendData(connectionId, 0, i, true, new byte[] {(byte) i});
      }
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(new byte[] {(byte) i}, conn.recv().get(10, TimeUnit.SECONDS));
      }
      server.close();
    }
    int serverPort = server.port();
    await(() -> conn.state() == ConnectionState.RECONNECTING, "the acceptor to notice");
    server = TunnelServer.builder().port(serverPort).start();
    await(() -> server.isRegistered(provider.localPeerId()), "the acceptor to register again");

    try (RawTunnelClient raw = RawTunnelClient.connect(server, id, 0)) {
      assertInstanceOf(TunnelFrame.Registered.class, raw.registerWithFlowControl());
      // The initiator had sent messages 0 to 4; 3 and 4 died with the old server.
      raw.send(
          new TunnelFrame.ConnectRequest(
              2, 0, provider.localPeerId(), ConnectionType.NETWORKING_SOCKETS, port, 0, 5, true));
      TunnelFrame.FailedConnect refused = raw.expect(TunnelFrame.FailedConnect.class);
      assertEquals(FailReason.REFUSED, refused.reason(), refused.message());
      assertTrue(refused.message().startsWith("2 message(s)"), refused.message());
    }
    ExecutionException closed =
        assertThrows(ExecutionException.class, () -> conn.closeFuture().get(10, TimeUnit.SECONDS));
    assertInstanceOf(ConnectionClosedException.class, closed.getCause());
    assertTrue(
        closed.getCause().getMessage().contains("2 message(s) sent before the tunnel server"),
        closed.getCause().getMessage());
    ExecutionException recv =
        assertThrows(ExecutionException.class, () -> conn.recv().get(10, TimeUnit.SECONDS));
    assertInstanceOf(ConnectionClosedException.class, recv.getCause());
    assertTrue(recv.getCause().getMessage().contains("lost"), recv.getCause().getMessage());
  }
}
