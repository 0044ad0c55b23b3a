package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConfig;
import dev.p2p.relay.NettyLeakCheck;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class QuicMessagingTest {

  @Test
  void anUnreliableMessageAboveTheDatagramLimitFailsNamingItAndTheConnectionStaysUsable()
      throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      int limit = p.dialled.datagramLimit();
      assertTrue(limit > 1000, "QUIC datagram limit on loopback, got " + limit);

      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () ->
                  p.dialled
                      .send(new byte[limit + 1], Delivery.UNRELIABLE)
                      .get(5, TimeUnit.SECONDS));
      MessageTooLargeException tooLarge =
          assertInstanceOf(MessageTooLargeException.class, e.getCause());
      assertEquals(limit, tooLarge.limit());
      assertEquals(limit + 1, tooLarge.size());
      assertTrue(tooLarge.getMessage().contains(Integer.toString(limit)), tooLarge.getMessage());

      byte[] exactly = new byte[limit];
      exactly[0] = 7;
      p.dialled.send(exactly, Delivery.UNRELIABLE).get(5, TimeUnit.SECONDS);
      p.dialled.send("still usable".getBytes()).get(5, TimeUnit.SECONDS);
      // Loopback does not lose this one datagram; it arrives before or after the reliable one.
      List<byte[]> got = List.of(recv(p.accepted), recv(p.accepted));
      assertTrue(got.stream().anyMatch(m -> m.length == limit && m[0] == 7));
      assertTrue(got.stream().anyMatch(m -> new String(m).equals("still usable")));
    }
  }

  /**
   * A sender that waits for each send's future while the reader reads nothing stalls once the
   * bounded buffers (the reader's queue and QUIC's flow-control window) are full; then every
   * message arrives in order once the reader starts.
   */
  @Test
  void aFastSenderToASlowReaderStallsWithinBoundedBuffers() throws Exception {
    int window = 256 * 1024;
    int queue = 256 * 1024;
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_QUIC_STREAM_WINDOW", Integer.toString(window))
            .set("P2P_QUIC_RECEIVE_BUFFER", Integer.toString(queue))
            .build();
    int size = 16 * 1024;
    try (QuicPeers p = QuicPeers.connect(config)) {
      List<CompletableFuture<Void>> stalled = new ArrayList<>();
      long accepted = 0;
      int sent = 0;
      // At most 64 MiB are offered; the limit must be reached long before.
      while (sent < 4096) {
        CompletableFuture<Void> f = p.dialled.send(message(sent, size));
        sent++;
        try {
          f.get(1, TimeUnit.SECONDS);
          accepted += size;
        } catch (TimeoutException e) {
          stalled.add(f);
          break;
        }
      }
      assertEquals(1, stalled.size(), "the sender must stall while nobody reads");
      // Reader queue + connection window (2x stream window) + one message in the stream queue
      // + what send accepts ahead of the stream.
      long bound = queue + 2L * window + 2L * window + 2L * size + StreamOutbox.OUTBOX_BYTES;
      assertTrue(accepted <= bound, "accepted " + accepted + " bytes, bound " + bound);

      for (int i = 0; i < sent; i++) {
        byte[] m = recv(p.accepted);
        assertEquals(i, ByteBuffer.wrap(m).getInt(), "message order");
        assertEquals(size, m.length);
      }
      stalled.get(0).get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aVanishedPeerIsNoticedWithinTheIdleTimeoutAndPendingRecvFails() throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_IDLE_TIMEOUT_MS", "1000")
            .set("P2P_KEEPALIVE_MS", "300")
            .build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      CompletableFuture<byte[]> pending = p.dialled.recv();
      Thread.sleep(1500); // keep-alives hold the idle connection open
      assertTrue(p.dialled.isConnected(), "keep-alive must hold an idle connection open");

      long start = System.nanoTime();
      p.listener.pathLayer().simulateOutage(true);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> pending.get(5, TimeUnit.SECONDS));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertInstanceOf(ConnectionClosedException.class, e.getCause());
      assertTrue(ms <= 2500, "noticed after " + ms + " ms with a 1000 ms idle timeout");
      assertTrue(!p.dialled.isConnected());
    }
  }

  /**
   * A burst far beyond a 16-entry datagram send queue loses datagrams whose write futures all
   * succeeded; the receiver counts every one lost before the last it got from the sequence numbers,
   * and the sender counts those its own queue dropped (a drop at the tail of the burst leaves the
   * receiver no gap to see), so the loss is never silent.
   */
  @Test
  void datagramsDroppedByAFullSendQueueAreCounted() throws Exception {
    P2PConfig config = P2PConfig.builder().set("P2P_QUIC_DATAGRAM_QUEUE", "16").build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      int burst = 5000;
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < burst; i++) {
        sends.add(p.dialled.send(message(i, 200), Delivery.UNRELIABLE));
      }
      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
      // A reliable marker sent afterwards; datagrams still in QUIC's own datagram queue may leave
      // after it (quiche schedules stream and DATAGRAM frames independently), so after the marker
      // the receiver reads on until nothing has come for a while.
      p.dialled.send(new byte[] {1, 2, 3}).get(5, TimeUnit.SECONDS);
      int received = 0;
      int last = -1;
      boolean markerSeen = false;
      for (; ; ) {
        byte[] m;
        if (!markerSeen) {
          m = recv(p.accepted);
        } else {
          try {
            m = p.accepted.recv().get(500, TimeUnit.MILLISECONDS);
          } catch (TimeoutException quiet) {
            break;
          }
        }
        if (m.length == 3) {
          markerSeen = true;
          continue;
        }
        received++;
        last = ByteBuffer.wrap(m).getInt();
      }
      assertTrue(received < burst, "a 16-entry queue cannot take a 5,000 burst");
      assertEquals(last + 1, received + p.accepted.datagramGaps(), "every lost one counted");
      assertTrue(
          p.accepted.datagramGaps() + p.dialled.datagramsDroppedAtSend() > 0,
          "the loss is counted on one side or the other");
    }
  }

  private static byte[] message(int index, int size) {
    byte[] m = new byte[size];
    ByteBuffer.wrap(m).putInt(index);
    return m;
  }

  private static byte[] recv(QuicPeerChannel c) throws Exception {
    return c.recv().get(10, TimeUnit.SECONDS);
  }

  /**
   * With busy polling off the loops sleep whenever they run out of work, so every message and every
   * echo needs a wake-up: Netty's default path must carry traffic both ways just the same.
   */
  @Test
  void withBusyPollingOffEchoesStillFlowBothWaysInOrder() throws Exception {
    P2PConfig config = P2PConfig.builder().set(QuicSettings.QUIC_BUSY_POLL_US, "0").build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      assertEquals(0, p.dialler.settings().busyPoll().toNanos());
      for (int i = 0; i < 200; i++) {
        p.dialled.send(message(i, 64)).get(5, TimeUnit.SECONDS);
        byte[] got = recv(p.accepted);
        assertEquals(i, ByteBuffer.wrap(got).getInt());
        p.accepted.send(got).get(5, TimeUnit.SECONDS);
        assertEquals(i, ByteBuffer.wrap(recv(p.dialled)).getInt(), "echo order");
      }
    }
  }

  @Test
  void reliableMessagesSurviveRoundTrip() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      byte[] big = new byte[3 * 1024 * 1024];
      big[big.length - 1] = 42;
      p.dialled.send(big).get(10, TimeUnit.SECONDS);
      assertArrayEquals(big, recv(p.accepted));
    }
  }
}
