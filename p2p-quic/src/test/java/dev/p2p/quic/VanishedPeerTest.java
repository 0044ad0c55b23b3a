package dev.p2p.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PeerAddress;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.quic.process.ListeningPeer;
import dev.p2p.quic.process.PeerProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 6 of issue 10, with the peer in its own process killed by SIGKILL: the connection is
 * noticed dead within the idle timeout with a reason that says so, and a peer restarted on the same
 * port with the same key makes the old connection fail at once (a stateless reset).
 */
class VanishedPeerTest {
  @TempDir Path dir;

  @Test
  void aKilledPeerIsNoticedWithinTheIdleTimeoutAndSendsFail() throws Exception {
    int idleMs = 1500;
    Map<String, String> env =
        Map.of(
            "P2P_IDLE_TIMEOUT_MS", Integer.toString(idleMs),
            "P2P_KEEPALIVE_MS", "300",
            "P2P_KEY_FILE", dir.resolve("peer.key").toString());
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_IDLE_TIMEOUT_MS", Integer.toString(idleMs))
            .set("P2P_KEEPALIVE_MS", "300")
            .build();
    try (QuicP2PProvider dialler = QuicP2PProvider.create(config);
        PeerProcess peer = PeerProcess.start(ListeningPeer.class, env, "0")) {
      PeerAddress ticket = PeerAddress.parseTicket(peer.awaitLine("TICKET", 30));
      P2PConnection conn = dialler.connect(ticket).get(20, TimeUnit.SECONDS);
      conn.send(new byte[1000]).get(5, TimeUnit.SECONDS);

      peer.kill();
      long killedAt = System.nanoTime();
      // Keep sending as a user would: beyond the buffers, futures wait, and then they must fail.
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        sends.add(conn.send(new byte[16 * 1024]));
      }
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> conn.closeFuture().get(idleMs * 4L, TimeUnit.MILLISECONDS));
      long noticedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      ConnectionClosedException closed =
          assertInstanceOf(ConnectionClosedException.class, e.getCause());
      assertTrue(
          closed.getMessage().contains("no packet from the peer for 1500 ms"), closed.getMessage());
      assertTrue(closed.getMessage().contains("not acknowledged"), closed.getMessage());
      assertTrue(noticedMs < idleMs + 1500, "noticed after " + noticedMs + " ms");
      assertEquals(ConnectionState.CLOSED, conn.state());
      for (CompletableFuture<Void> f : sends) {
        // Each either was accepted before the end or fails now; none waits forever.
        try {
          f.get(2, TimeUnit.SECONDS);
        } catch (ExecutionException failed) {
          assertInstanceOf(ConnectionClosedException.class, failed.getCause());
        }
      }
      ExecutionException late =
          assertThrows(
              ExecutionException.class, () -> conn.send(new byte[1]).get(2, TimeUnit.SECONDS));
      assertTrue(
          late.getCause().getMessage().contains("no packet from the peer"),
          late.getCause().getMessage());
    }
  }

  @Test
  void aPeerRestartedOnTheSamePortAndKeyEndsTheOldConnectionAtOnce() throws Exception {
    Map<String, String> env =
        Map.of(
            "P2P_IDLE_TIMEOUT_MS", "20000",
            "P2P_KEEPALIVE_MS", "200",
            "P2P_KEY_FILE", dir.resolve("peer.key").toString());
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_IDLE_TIMEOUT_MS", "20000")
            .set("P2P_KEEPALIVE_MS", "200")
            .build();
    try (QuicP2PProvider dialler = QuicP2PProvider.create(config);
        PeerProcess first = PeerProcess.start(ListeningPeer.class, env, "0")) {
      PeerAddress ticket = PeerAddress.parseTicket(first.awaitLine("TICKET", 30));
      int port = ticket.directAddresses().get(0).getPort();
      P2PConnection conn = dialler.connect(ticket).get(20, TimeUnit.SECONDS);
      conn.send(new byte[100]).get(5, TimeUnit.SECONDS);

      first.kill();
      try (PeerProcess second =
          PeerProcess.start(ListeningPeer.class, env, Integer.toString(port))) {
        PeerAddress again = PeerAddress.parseTicket(second.awaitLine("TICKET", 30));
        assertEquals(ticket, again, "same key, same port");
        long upAt = System.nanoTime();
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () -> conn.closeFuture().get(10, TimeUnit.SECONDS),
                () -> "the old connection is still " + conn.state() + "; peer: " + second.output());
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - upAt);
        assertInstanceOf(ConnectionClosedException.class, e.getCause());
        assertTrue(
            e.getCause().getMessage().contains("stateless reset"), e.getCause().getMessage());
        assertTrue(ms < 3000, "the restart was noticed after " + ms + " ms (idle timeout 20 s)");
        // The restarted peer is usable at once.
        P2PConnection fresh = dialler.connect(again).get(20, TimeUnit.SECONDS);
        fresh.send(new byte[] {1}).get(5, TimeUnit.SECONDS);
      }
    }
  }
}
