package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.Delivery;
import dev.p2p.api.P2PConfig;
import dev.p2p.relay.NettyLeakCheck;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * UNRELIABLE messages have no order relative to reliable ones, and must not wait behind them: a
 * datagram sent while a reliable backlog waits for stream flow control leaves at once. Nor do they
 * take part in a close: they never hold it back, and none of their futures is left hanging.
 */
@ExtendWith(NettyLeakCheck.class)
class QuicDatagramLaneTest {
  private static final int RELIABLE = 64;
  private static final int RELIABLE_SIZE = 1 << 20; // 64 MiB in all, 8 times the stream window
  private static final int DATAGRAMS = 8;
  private static final int DATAGRAM_SIZE = 100;

  @Test
  void datagramsSentBehindALargeReliableBacklogDoNotWaitForIt() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      // The receiver reads all the time; it notes how many reliable messages came before each
      // datagram.
      CompletableFuture<List<Integer>> reliableBeforeEachDatagram =
          CompletableFuture.supplyAsync(() -> readUntilTheLastReliable(p.accepted));

      List<CompletableFuture<Void>> reliable = new ArrayList<>();
      for (int i = 0; i < RELIABLE; i++) {
        reliable.add(p.dialled.send(message(i, RELIABLE_SIZE)));
      }
      List<CompletableFuture<Void>> datagrams = new ArrayList<>();
      for (int i = 0; i < DATAGRAMS; i++) {
        datagrams.add(p.dialled.send(message(i, DATAGRAM_SIZE), Delivery.UNRELIABLE));
      }

      CompletableFuture.allOf(datagrams.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
      assertFalse(
          reliable.get(RELIABLE - 1).isDone(),
          "the datagrams were handed to QUIC only after the whole reliable backlog");

      List<Integer> before = reliableBeforeEachDatagram.get(60, TimeUnit.SECONDS);
      CompletableFuture.allOf(reliable.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
      // Loopback under a bulk transfer may still lose one; all of them lost would be a bug.
      assertTrue(!before.isEmpty(), "no datagram arrived before the last reliable message");
      // What the stream lets out before them is bounded by the windows and the buffers (8 MiB
      // stream window, 4 MiB receive buffer, the outbox): far less than half the backlog.
      for (int n : before) {
        assertTrue(
            n < RELIABLE / 2,
            "a datagram arrived after " + n + " of " + RELIABLE + " reliable messages: " + before);
      }
    }
  }

  /**
   * Datagrams sent from another thread while the connection closes: the close handshake completes
   * normally on both sides with every reliable message delivered, and each datagram's future
   * completes, either handed to QUIC or failed with ConnectionClosedException.
   */
  @Test
  void datagramsSentAroundACloseNeitherBreakItNorHang() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      Blaster blaster = new Blaster(p.dialled);
      blaster.start();
      for (int i = 0; i < 200; i++) {
        p.dialled.send(message(i, 1000));
      }
      blaster.awaitAThousand();
      p.dialled.close();

      p.dialled.closeFuture().get(10, TimeUnit.SECONDS);
      int reliable = 0;
      while (true) {
        byte[] m;
        try {
          m = p.accepted.recv().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException end) {
          assertInstanceOf(ConnectionClosedException.class, end.getCause());
          break;
        }
        if (m.length == 1000) {
          assertEquals(reliable++, ByteBuffer.wrap(m).getInt(), "reliable order");
        } else {
          assertEquals(DATAGRAM_SIZE, m.length);
        }
      }
      assertEquals(200, reliable);
      p.accepted.closeFuture().get(10, TimeUnit.SECONDS);
      blaster.join(10_000);
      assertFalse(blaster.isAlive(), "the sender never saw its sends refused after close");
      blaster.assertEveryFutureCompleted();
      assertFailsClosed(p.dialled.send(message(0, DATAGRAM_SIZE), Delivery.UNRELIABLE));
    }
  }

  /**
   * The peer vanishes while datagrams are being sent: those queued when the idle timeout ends the
   * connection fail, none is left hanging.
   */
  @Test
  void datagramsSentWhenThePeerVanishesNeverHang() throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_IDLE_TIMEOUT_MS", "1000")
            .set("P2P_KEEPALIVE_MS", "300")
            .build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      Blaster blaster = new Blaster(p.dialled);
      blaster.start();
      blaster.awaitAThousand();
      p.listener.pathLayer().simulateOutage(true);
      blaster.join(10_000);
      assertFalse(blaster.isAlive(), "the sender never saw its sends refused after the timeout");
      blaster.assertEveryFutureCompleted();
      assertFailsClosed(p.dialled.send(message(0, DATAGRAM_SIZE), Delivery.UNRELIABLE));
    }
  }

  private static void assertFailsClosed(CompletableFuture<Void> send) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> send.get(5, TimeUnit.SECONDS));
    assertInstanceOf(ConnectionClosedException.class, e.getCause());
  }

  /** Sends datagrams as fast as it can until one is refused at once. */
  private static final class Blaster extends Thread {
    private final QuicPeerChannel c;
    private final Queue<CompletableFuture<Void>> sends = new ConcurrentLinkedQueue<>();
    private final CountDownLatch thousand = new CountDownLatch(1000);

    Blaster(QuicPeerChannel c) {
      super("datagram-blaster");
      setDaemon(true);
      this.c = c;
    }

    @Override
    public void run() {
      for (int i = 0; ; i++) {
        CompletableFuture<Void> f = c.send(message(i, DATAGRAM_SIZE), Delivery.UNRELIABLE);
        sends.add(f);
        thousand.countDown();
        if (f.isCompletedExceptionally()) {
          return;
        }
      }
    }

    void awaitAThousand() throws InterruptedException {
      assertTrue(thousand.await(10, TimeUnit.SECONDS), "the sender got stuck");
    }

    void assertEveryFutureCompleted() throws Exception {
      int handed = 0;
      for (CompletableFuture<Void> f : sends) {
        try {
          f.get(5, TimeUnit.SECONDS);
          handed++;
        } catch (ExecutionException e) {
          assertInstanceOf(ConnectionClosedException.class, e.getCause());
        }
      }
      assertTrue(handed > 0, "no datagram was handed to QUIC");
    }
  }

  /**
   * Reads until the last reliable message; returns, for each datagram read on the way, how many
   * reliable messages had arrived before it.
   */
  private static List<Integer> readUntilTheLastReliable(QuicPeerChannel c) {
    List<Integer> before = new ArrayList<>();
    int reliable = 0;
    try {
      while (reliable < RELIABLE) {
        byte[] m = c.recv().get(30, TimeUnit.SECONDS);
        int index = ByteBuffer.wrap(m).getInt();
        if (m.length == DATAGRAM_SIZE) {
          before.add(reliable);
        } else {
          assertEquals(RELIABLE_SIZE, m.length);
          assertEquals(reliable, index, "reliable order");
          reliable++;
        }
      }
    } catch (Exception e) {
      throw new AssertionError("receive failed after " + reliable + " reliable messages", e);
    }
    return before;
  }

  private static byte[] message(int index, int size) {
    byte[] m = new byte[size];
    ByteBuffer.wrap(m).putInt(index);
    return m;
  }
}
