package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayProtocol;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Batches (protocol 2): several packets of one size in one frame, as a GSO send holds them. A
 * client of protocol 2 gets them as one frame, a client of protocol 1 one packet each, and a batch
 * that is not well formed closes only its sender.
 */
@ExtendWith(NettyLeakCheck.class)
class RelayBatchTest {
  private static final int SEGMENT = 100;
  private RelayServer relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  @Test
  void aClientOfProtocolTwoGetsTheBatchsPacketsInOrder() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      assertTrue(a.client().batches(), "the relay chose protocol 2");
      byte[] packets = random(2 * SEGMENT + 37); // two whole packets and a shorter last one
      a.client().sendFrame(batch(b.key(), SEGMENT, packets)).sync();
      for (int at = 0; at < packets.length; at += SEGMENT) {
        TestClient.Packet p = b.nextPacket(5000);
        assertEquals(a.key(), p.source());
        assertArrayEquals(
            Arrays.copyOfRange(packets, at, Math.min(at + SEGMENT, packets.length)), p.data());
      }
      TestClient.awaitMetric(relay, "p2p_relay_packets_forwarded_total 1.0"); // one frame
      TestClient.awaitMetric(relay, "p2p_relay_batches_total{delivery=\"whole\"} 1.0");
    }
  }

  @Test
  void aClientOfProtocolOneGetsOnePacketFrameEach() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    Ed25519Identity old = Ed25519Identity.generate();
    try (TestClient a = TestClient.login(relay);
        RawClient c = new RawClient(relay)) {
      logIn(c, old);
      byte[] packets = random(3 * SEGMENT);
      a.client().sendFrame(batch(PeerKey.of(old.peerId()), SEGMENT, packets)).sync();
      for (int at = 0; at < packets.length; at += SEGMENT) {
        RelayFrame.Packet p = (RelayFrame.Packet) c.next(5000);
        assertEquals(a.key(), p.peer());
        assertArrayEquals(Arrays.copyOfRange(packets, at, at + SEGMENT), bytes(p.payload()));
      }
      TestClient.awaitMetric(relay, "p2p_relay_packets_forwarded_total 3.0");
      TestClient.awaitMetric(relay, "p2p_relay_batches_total{delivery=\"split\"} 1.0");
    }
  }

  @Test
  void aClientThatAsksForProtocolOneOnlyGetsPacketsAndSendsNoBatches() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient old =
            TestClient.login(relay, Ed25519Identity.generate(), o -> o.withBatches(false))) {
      assertFalse(old.client().batches(), "protocol 1 only: no batches from it");
      byte[] packets = random(2 * SEGMENT);
      a.client().sendFrame(batch(old.key(), SEGMENT, packets)).sync();
      for (int at = 0; at < packets.length; at += SEGMENT) {
        assertArrayEquals(
            Arrays.copyOfRange(packets, at, at + SEGMENT), old.nextPacket(5000).data());
      }
      TestClient.awaitMetric(relay, "p2p_relay_batches_total{delivery=\"split\"} 1.0");
    }
  }

  @Test
  void aBatchMayFillThePacketSizeLimitButNotExceedIt() throws Exception {
    relay = RelayServer.builder().stunPort(-1).maxPacketSize(2000).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      a.client().sendFrame(batch(b.key(), SEGMENT, random(2000))).sync();
      for (int i = 0; i < 20; i++) {
        assertEquals(SEGMENT, b.nextPacket(5000).data().length);
      }
      a.client().sendFrame(batch(b.key(), SEGMENT, random(2001)));
      assertEquals(CloseReason.TOO_LARGE, a.awaitClosed(5000).reason());
    }
  }

  @Test
  void aBatchWithoutASegmentSizeClosesOnlyItsSender() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        TestClient bystander = TestClient.login(relay)) {
      a.client().sendFrame(batch(b.key(), 0, random(50)));
      assertEquals(CloseReason.PROTOCOL_ERROR, a.awaitClosed(5000).reason());
      bystander.send(b, new byte[] {4, 2});
      assertArrayEquals(new byte[] {4, 2}, b.nextPacket(5000).data());
    }
  }

  @Test
  void aBatchFromAClientOfProtocolOneIsRefused() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    Ed25519Identity old = Ed25519Identity.generate();
    try (TestClient b = TestClient.login(relay);
        RawClient c = new RawClient(relay)) {
      logIn(c, old);
      c.send(batch(b.key(), SEGMENT, random(2 * SEGMENT)));
      RelayFrame.Reason r = (RelayFrame.Reason) c.next(5000);
      assertEquals(CloseReason.PROTOCOL_ERROR, r.reason());
      assertTrue(c.awaitInactive(5000));
    }
  }

  /** Logs a raw client of protocol 1 in as {@code id}. */
  private static void logIn(RawClient c, Ed25519Identity id) throws InterruptedException {
    byte[] challenge = c.challenge().challenge();
    c.send(
        RelayFrameCodec.login(
            ByteBufAllocator.DEFAULT,
            PeerKey.of(id.peerId()),
            id.sign(RelayProtocol.loginMessage(challenge)),
            ""));
    assertTrue(c.next(5000) instanceof RelayFrame.Welcome);
  }

  private static ByteBuf batch(PeerKey to, int segment, byte[] packets) {
    return Unpooled.wrappedBuffer(
        RelayFrameCodec.batchHeader(ByteBufAllocator.DEFAULT, true, to, segment),
        Unpooled.wrappedBuffer(packets));
  }

  private static byte[] bytes(ByteBuf b) {
    return ByteBufUtil.getBytes(b);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
