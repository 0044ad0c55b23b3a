package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayProtocol;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One client flooding, sending garbage or oversize frames, or never reading, never slows or breaks
 * another. Each test keeps an innocent pair talking while the offender misbehaves, and bounds their
 * round trips: a relay that blocked on the offender would stall them for seconds.
 */
@ExtendWith(NettyLeakCheck.class)
class RelayIsolationTest {
  /** Far above a loopback round trip on a busy 2-core machine, far below any blocking timeout. */
  private static final long MAX_RTT_MS = 1000;

  private RelayServer relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  private static long roundTripMillis(TestClient a, TestClient b) throws InterruptedException {
    long t0 = System.nanoTime();
    byte[] probe = Long.toString(t0).getBytes();
    a.send(b, probe);
    assertArrayEquals(probe, b.nextPacket(5000).data());
    b.send(a, probe);
    assertArrayEquals(probe, a.nextPacket(5000).data());
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** Runs round trips between a and b while {@code offence} runs, and checks each is prompt. */
  private static void innocentPairStaysPrompt(TestClient a, TestClient b, Runnable offence)
      throws Exception {
    Thread offender = new Thread(offence, "offender");
    offender.start();
    List<Long> rtts = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rtts.add(roundTripMillis(a, b));
      Thread.sleep(25);
    }
    offender.join(30_000);
    long worst = rtts.stream().mapToLong(Long::longValue).max().orElseThrow();
    assertTrue(worst < MAX_RTT_MS, "innocent round trips (ms): " + rtts);
  }

  @Test
  void aClientThatNeverReadsHasItsQueueFillAndDropWhileOthersAreUnaffected() throws Exception {
    relay =
        RelayServer.builder()
            .stunPort(-1)
            .queue(64, 1 << 20)
            .writeTimeout(Duration.ofSeconds(3))
            .build()
            .start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        TestClient c = TestClient.login(relay);
        TestClient stalled = TestClient.offender(relay);
        TestClient sender = TestClient.offender(relay)) {
      stalled.client().setAutoRead(false);
      c.countOnly();
      byte[] chunk = new byte[16 * 1024];
      int[] toC = new int[1];
      innocentPairStaysPrompt(
          a,
          b,
          () -> {
            // 32 MB at the stalled reader: more than every socket buffer on the way holds.
            for (int i = 0; i < 2000; i++) {
              sender.send(stalled, chunk);
              if (i % 20 == 0) {
                sender.send(c, chunk); // the same sender's other traffic is not held up
                toC[0]++;
              }
              if (!sender.client().channel().isWritable()) {
                sender.client().channel().flush();
                while (!sender.client().channel().isWritable()
                    && sender.client().channel().isActive()) {
                  LockSupport.parkNanos(200_000); // a spinning flooder would take a whole core
                }
              }
            }
          });
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (c.receivedCount() < toC[0] && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(toC[0], c.receivedCount(), "packets to a reading peer were lost");
      String m = relay.metricsText();
      // Which bound drops first depends on how fast the flood arrives: a full queue, or (when the
      // sender is slowed, e.g. on a busy machine) the delay target once writes stay late.
      assertTrue(
          dropCount(m, "queue_full") + dropCount(m, "queue_delay") > 0,
          "a stalled reader's queue must drop (when full or too late):\n" + m);
      // It takes nothing for the write timeout, so the relay lets it go (it cannot hear the
      // reason frame: it does not read); the sender stays.
      deadline = System.nanoTime() + 15_000_000_000L;
      while (relay.isLoggedIn(stalled.id()) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertTrue(!relay.isLoggedIn(stalled.id()), "a client that never reads must be let go");
      assertTrue(
          relay
              .metricsText()
              .contains("p2p_relay_sessions_closed_total{reason=\"write_timeout\"} 1"));
      assertTrue(sender.isOpen());
      roundTripMillis(a, sender);
    }
  }

  static double dropCount(String metrics, String reason) {
    String prefix = "p2p_relay_packets_dropped_total{reason=\"" + reason + "\"} ";
    for (String line : metrics.split("\n")) {
      if (line.startsWith(prefix)) {
        return Double.parseDouble(line.substring(prefix.length()));
      }
    }
    throw new AssertionError("no " + prefix + " in\n" + metrics);
  }

  @Test
  void aFlooderIsHeldToItsTokenBucketWhileOthersAreUnaffected() throws Exception {
    long rate = 2_000_000;
    long burst = 256 * 1024;
    relay = RelayServer.builder().stunPort(-1).rateLimit(rate, burst).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        TestClient flooder = TestClient.offender(relay);
        TestClient sink = TestClient.offender(relay)) {
      sink.countOnly();
      byte[] chunk = new byte[16 * 1024];
      long[] window = new long[2];
      innocentPairStaysPrompt(
          a,
          b,
          () -> {
            window[0] = System.nanoTime();
            while (System.nanoTime() - window[0] < 2_000_000_000L) {
              if (flooder.client().channel().isWritable()) {
                flooder.send(sink, chunk);
              } else {
                LockSupport.parkNanos(200_000);
              }
            }
            window[1] = System.nanoTime();
          });
      double seconds = (System.nanoTime() - window[0]) / 1e9;
      long got = sink.receivedBytes();
      // The bucket admits rate × time + burst, plus at most one socket read past the budget.
      long ceiling = (long) (rate * seconds) + burst + 256 * 1024;
      assertTrue(got <= ceiling, got + " bytes in " + seconds + " s, limit " + ceiling);
      assertTrue(got >= rate * 0.5, "the flooder was starved, not limited: " + got + " bytes");
      String m = relay.metricsText();
      assertTrue(m.contains("p2p_relay_rate_limited_total "), m);
      assertTrue(!m.contains("p2p_relay_rate_limited_total 0.0"), m);
    }
  }

  private void expectClosedWith(CloseReason reason, Consumer<TestClient> offence) throws Exception {
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        TestClient bad = TestClient.offender(relay)) {
      offence.accept(bad);
      RelayFrame.Reason r = bad.awaitClosed(5000);
      assertEquals(reason, r == null ? null : r.reason(), "reason frame: " + r);
      assertTrue(a.isOpen() && b.isOpen());
      assertTrue(roundTripMillis(a, b) < MAX_RTT_MS);
    }
  }

  @Test
  void garbageClosesOnlyItsSender() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad -> bad.client().sendFrame(Unpooled.wrappedBuffer(new byte[] {0x7f, 1, 2, 3})));
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad -> bad.client().sendFrame(Unpooled.wrappedBuffer(new byte[] {RelayProtocol.PING, 1})));
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR, bad -> bad.client().sendFrame(Unpooled.EMPTY_BUFFER));
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad -> bad.client().sendWebSocketFrame(new TextWebSocketFrame("hello")));
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad ->
            bad.client()
                .sendWebSocketFrame(
                    new BinaryWebSocketFrame(false, 0, Unpooled.wrappedBuffer(new byte[] {0x20}))));
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad -> {
          // Below WebSocket: bytes that are not a masked frame, straight onto the socket.
          byte[] junk = new byte[64];
          new Random(1).nextBytes(junk);
          junk[0] = (byte) 0x82;
          junk[1] = 0x10; // unmasked: clients must mask
          bad.client()
              .channel()
              .pipeline()
              .firstContext()
              .writeAndFlush(Unpooled.wrappedBuffer(junk));
        });
    expectClosedWith(
        CloseReason.PROTOCOL_ERROR,
        bad ->
            bad.client()
                .sendFrame(
                    RelayFrameCodec.challenge(
                        ByteBufAllocator.DEFAULT, new byte[RelayProtocol.CHALLENGE_LENGTH])));
  }

  @Test
  void garbageInsteadOfHttpClosesOnlyThatSocket() throws Exception {
    relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay);
        Socket s = new Socket(relay.url().getHost(), relay.url().getPort())) {
      s.setSoTimeout(5000);
      byte[] junk = new byte[100_000];
      new Random(2).nextBytes(junk);
      OutputStream out = s.getOutputStream();
      try {
        out.write(junk);
        out.flush();
      } catch (java.io.IOException closedEarly) {
        // The relay may close before all of it is written: that is the point.
      }
      InputStream in = s.getInputStream();
      try {
        while (in.read() >= 0) {
          // drain the 400 response, if any, until the relay closes
        }
      } catch (java.net.SocketException reset) {
        // closed with unread data pending: a reset
      }
      assertTrue(roundTripMillis(a, b) < MAX_RTT_MS);
    }
  }

  @Test
  void oversizeFramesCloseOnlyTheirSender() throws Exception {
    relay = RelayServer.builder().stunPort(-1).maxPacketSize(4096).build().start();
    PeerKey someone = PeerKey.of(Ed25519Identity.generate().peerId());
    expectClosedWith(
        CloseReason.TOO_LARGE,
        bad -> bad.client().send(someone, Unpooled.wrappedBuffer(new byte[4097])));
    // A 2 MiB message: refused from its header, before the relay buffers any of it.
    expectClosedWith(
        CloseReason.TOO_LARGE,
        bad ->
            bad.client()
                .channel()
                .writeAndFlush(
                    new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[2 << 20]))));
    try (TestClient a = TestClient.login(relay);
        TestClient b = TestClient.login(relay)) {
      a.send(b, new byte[4096]); // exactly the limit passes
      assertEquals(4096, b.nextPacket(5000).data().length);
    }
  }
}
