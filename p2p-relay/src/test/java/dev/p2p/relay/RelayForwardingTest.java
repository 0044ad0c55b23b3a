package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayProtocol;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Packets by PeerId, peer-gone, ping/pong, idle timeout and shutdown. */
@ExtendWith(NettyLeakCheck.class)
class RelayForwardingTest {
  private RelayServer relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void packetsReachTheirDestinationIntactWithTheSendersId() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      Random rnd = new Random(7);
      byte[][] sent = new byte[200][];
      for (int i = 0; i < sent.length; i++) {
        int len = i == 0 ? 0 : i == 1 ? RelayProtocol.DEFAULT_MAX_PACKET_SIZE : rnd.nextInt(3000);
        sent[i] = new byte[len];
        rnd.nextBytes(sent[i]);
        a.send(b, sent[i]);
      }
      for (byte[] expected : sent) {
        TestClient.Packet p = b.nextPacket(5000);
        assertEquals(a.key(), p.source());
        assertArrayEquals(expected, p.data()); // and in order: one sender, one TCP stream
      }
      b.send(a, new byte[] {1, 2, 3});
      TestClient.Packet back = a.nextPacket(5000);
      assertEquals(b.key(), back.source());
      assertArrayEquals(new byte[] {1, 2, 3}, back.data());
    }
    TestClient.awaitMetric(relay, "p2p_relay_packets_forwarded_total 201.0");
  }

  @Test
  void packetsToPeersOnEitherLoopEachArriveInOrder() throws Exception {
    // Clients are spread over the two loops in accept order: the sender's packets go to peers on
    // its own loop and on the other, interleaved, so one read's batch splits by loop.
    relay = RelayServer.builder().stunPort(-1).workerThreads(2).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        TestClient c = TestClient.login(relay);
        TestClient d = TestClient.login(relay)) {
      TestClient[] to = {b, c, d};
      // 300 packets, 100 KB: less than the socket buffers hold, so no reader falls behind and
      // the relay's delay drop (tested on its own) cannot take any.
      int rounds = 100;
      for (int i = 0; i < rounds * to.length; i++) {
        a.send(to[i % to.length], ByteBuffer.allocate(4 + (i % 7) * 100).putInt(i).array());
      }
      for (int k = 0; k < to.length; k++) {
        for (int r = 0; r < rounds; r++) {
          TestClient.Packet p = to[k].nextPacket(5000);
          assertEquals(r * to.length + k, ByteBuffer.wrap(p.data()).getInt(), "peer " + k);
        }
      }
    }
  }

  @Test
  void sendingToAnAbsentPeerAnswersPeerGone() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    PeerKey nobody = PeerKey.of(Ed25519Identity.generate().peerId());
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      a.client().send(nobody, io.netty.buffer.Unpooled.wrappedBuffer(new byte[5]));
      assertEquals(nobody, a.gone().poll(5, TimeUnit.SECONDS));
      b.close();
      b.client().closed().get(5, TimeUnit.SECONDS);
      awaitLoggedOut(b);
      a.send(b, new byte[] {9});
      assertEquals(b.key(), a.gone().poll(5, TimeUnit.SECONDS));
    }
    TestClient.awaitMetric(relay, "p2p_relay_packets_dropped_total{reason=\"no_destination\"} 2.0");
  }

  private void awaitLoggedOut(TestClient c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (relay.isLoggedIn(c.id()) && System.nanoTime() < deadline) {
      Thread.sleep(10); // the relay's close runs on its own loop; real time, not simulated
    }
    assertTrue(!relay.isLoggedIn(c.id()), "the relay did not notice the close");
  }

  @Test
  void aClientPingIsAnsweredWithItsData() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay)) {
      a.client().ping(0x1122334455667788L);
      assertEquals(0x1122334455667788L, a.pongs().poll(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void theRelayPingsQuietClientsAndClosesThoseThatDoNotAnswer() throws Exception {
    relay =
        RelayServer.builder()
            .stunPort(-1)
            .pingInterval(Duration.ofMillis(100))
            .idleTimeout(Duration.ofMillis(500))
            .build()
            .start();
    try (TestClient answers = TestClient.login(relay);
        TestClient silent =
            TestClient.login(relay, Ed25519Identity.generate(), o -> o.withAnswerPings(false))) {
      long start = System.nanoTime();
      assertEquals(CloseReason.IDLE_TIMEOUT, silent.awaitClosed(5000).reason());
      long tookMs = (System.nanoTime() - start) / 1_000_000;
      assertTrue(tookMs >= 400, "closed after " + tookMs + " ms, before the idle timeout");
      assertTrue(answers.isOpen(), "a client that answers pings must stay");
      assertTrue(relay.isLoggedIn(answers.id()));
    }
  }

  @Test
  void closingTheRelayTellsEveryClient() {
    relay = RelayServer.builder().stunPort(-1).build().start();
    TestClient a = TestClient.login(relay);
    TestClient b = TestClient.login(relay);
    relay.close();
    assertEquals(CloseReason.SHUTTING_DOWN, a.awaitClosed(5000).reason());
    assertEquals(CloseReason.SHUTTING_DOWN, b.awaitClosed(5000).reason());
  }

  @Test
  void payloadsAreOpaque() throws Exception {
    // Bytes that look like relay frames (a login, a reason) are delivered, not interpreted.
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      byte[] lookalike =
          ByteBuffer.allocate(40).put(RelayProtocol.CLOSE_REASON).put((byte) 4).array();
      a.send(b, lookalike);
      TestClient.Packet p = b.nextPacket(5000);
      assertNotNull(p);
      assertArrayEquals(lookalike, p.data());
      assertTrue(b.isOpen());
      assertNull(b.packets().poll());
    }
  }
}
