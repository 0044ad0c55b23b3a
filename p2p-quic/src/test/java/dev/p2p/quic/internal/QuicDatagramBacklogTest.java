package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.Delivery;
import dev.p2p.api.P2PConfig;
import dev.p2p.quic.NettyLeakCheck;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * UNRELIABLE messages have no order relative to reliable ones, and must not wait behind them: a
 * datagram sent while a reliable backlog waits for stream flow control leaves at once.
 */
@ExtendWith(NettyLeakCheck.class)
class QuicDatagramBacklogTest {
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
