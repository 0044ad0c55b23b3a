package dev.p2p.tunnel.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.ErrorCode;
import dev.p2p.tunnel.internal.FailReason;
import dev.p2p.tunnel.internal.TunnelFrame;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Each limit holds, and the peers it does not concern are unaffected. */
class TunnelServerProtectionTest {
  private TunnelServer server;
  private final ExecutorService writers = Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    writers.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  private static RawTunnelClient registered(TunnelServer server) throws IOException {
    RawTunnelClient c = RawTunnelClient.connect(server);
    assertInstanceOf(TunnelFrame.Registered.class, c.register(0, ""));
    return c;
  }

  private static byte[] payload(int size, int seed) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (seed * 31 + i);
    }
    return b;
  }

  @Test
  void connectionsPerPeerAreLimited() throws Exception {
    server = TunnelServer.builder().port(0).maxConnectionsPerPeer(2).start();
    try (RawTunnelClient a = registered(server);
        RawTunnelClient b = registered(server);
        RawTunnelClient c = registered(server);
        RawTunnelClient d = registered(server);
        RawTunnelClient e = registered(server)) {
      RawTunnelClient.open(a, b, 2);
      RawTunnelClient.open(a, c, 4);
      a.requestConnection(3, d.peer(), 6);
      TunnelFrame.FailedConnect refused = a.expect(TunnelFrame.FailedConnect.class);
      assertEquals(FailReason.LIMIT_REACHED, refused.reason(), refused.message());
      // The limit also protects the target: b and c may still connect to d and e.
      RawTunnelClient.open(d, e, 8);
      RawTunnelClient.open(b, d, 10);
      assertEquals(4, server.relayManager().getActiveConnectionCount());
    }
  }

  @Test
  void framesAboveTheMaximumCloseOnlyTheirSender() throws Exception {
    server = TunnelServer.builder().port(0).maxFrameSize(4096).start();
    try (RawTunnelClient big = registered(server);
        RawTunnelClient a = registered(server);
        RawTunnelClient b = registered(server)) {
      long id = RawTunnelClient.open(big, b, 2);
      long ok = RawTunnelClient.open(a, b, 4);
      big.sendData(id, 0, 0, true, new byte[5000]);
      TunnelFrame.Error error = big.expect(TunnelFrame.Error.class);
      assertEquals(ErrorCode.FRAME_TOO_LARGE, error.code());
      assertTrue(big.closedByServer());
      assertEquals(id, b.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      // A frame just under the limit still passes between the others.
      byte[] fits = payload(4096 - dev.p2p.tunnel.internal.TunnelProtocol.DATA_HEADER_SIZE, 1);
      a.sendData(ok, 0, 0, true, fits);
      assertArrayEquals(fits, b.expect(RawTunnelClient.Data.class).payload());
    }
  }

  /**
   * With the clock stopped, a fast sender gets its burst (plus at most one socket read) through,
   * then its reads pause; nothing is dropped, and each second of clock lets its rate through.
   * Another sender to the same destination is not held up.
   */
  @Test
  void theRateLimitPausesReadsWithoutDropping() throws Exception {
    FakeTicker ticker = new FakeTicker();
    int rate = 32 * 1024;
    server =
        TunnelServer.builder()
            .port(0)
            .ticker(ticker)
            .maxBytesPerSecondPerPeer(rate)
            .burstBytesPerPeer(rate)
            .start();
    int frames = 40;
    int size = 8 * 1024;
    try (RawTunnelClient fast = registered(server);
        RawTunnelClient other = registered(server);
        RawTunnelClient sink = registered(server)) {
      long fastId = RawTunnelClient.open(fast, sink, 2);
      long otherId = RawTunnelClient.open(other, sink, 4);
      Future<?> writing =
          writers.submit(
              () -> {
                for (int i = 0; i < frames; i++) {
                  fast.sendData(fastId, 0, i, true, payload(size, i));
                }
                return null;
              });
      sink.timeout(500);
      long received = 0;
      int next = 0;
      try {
        while (true) {
          RawTunnelClient.Data d = sink.expect(RawTunnelClient.Data.class);
          assertEquals(next, d.number());
          assertArrayEquals(payload(size, next), d.payload());
          next++;
          received += size;
        }
      } catch (SocketTimeoutException stalled) {
        // the clock is stopped: the fast sender is paused
      }
      assertTrue(received > 0, "the burst passes");
      assertTrue(
          received <= rate + 64 * 1024 + size,
          "at most burst + one read + one frame while the clock stands still, got " + received);
      assertFalse(writing.isDone() && received == (long) frames * size, "not all through");

      // Another peer is not paused by the fast one, even toward the same destination.
      other.sendData(otherId, 0, 0, true, payload(1000, 99));
      RawTunnelClient.Data fromOther = sink.expect(RawTunnelClient.Data.class);
      assertEquals(otherId, fromOther.connectionId());

      // Time passes: the rest arrives, in order, complete.
      sink.timeout(2000);
      for (int step = 0; step < 200 && next < frames; step++) {
        ticker.advance(Duration.ofSeconds(1));
        try {
          while (next < frames) {
            RawTunnelClient.Data d = sink.expect(RawTunnelClient.Data.class);
            assertEquals(fastId, d.connectionId());
            assertEquals(next, d.number());
            assertArrayEquals(payload(size, next), d.payload());
            next++;
            if (next % 4 == 0) {
              break; // let the clock move again
            }
          }
        } catch (SocketTimeoutException e) {
          // paused again: advance the clock
        }
      }
      assertEquals(frames, next, "every frame arrived");
      writing.get(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A destination that stops reading gets a bounded queue on the server; its sender is paused (TCP
   * pushes back) instead of the server buffering without limit; others keep going; when it reads
   * again everything arrives.
   */
  @Test
  void theQueueTowardASlowReaderIsBounded() throws Exception {
    int maxQueued = 64 * 1024;
    server = TunnelServer.builder().port(0).maxQueuedBytesPerPeer(maxQueued).start();
    int size = 16 * 1024;
    int frames = 2048; // 32 MiB: far more than the kernel buffers on the way hold
    try (RawTunnelClient sender =
            RawTunnelClient.connect(server, Ed25519Identity.generate(), 65536);
        RawTunnelClient slow = RawTunnelClient.connect(server, Ed25519Identity.generate(), 65536);
        RawTunnelClient c = registered(server);
        RawTunnelClient d = registered(server)) {
      sender.register(0, "");
      slow.register(0, "");
      long id = RawTunnelClient.open(sender, slow, 2);
      long cd = RawTunnelClient.open(c, d, 4);
      AtomicLong sent = new AtomicLong();
      byte[] chunk = payload(size, 7);
      Future<?> writing =
          writers.submit(
              () -> {
                for (int i = 0; i < frames; i++) {
                  sender.sendData(id, 0, i, true, chunk);
                  sent.incrementAndGet();
                }
                return null;
              });
      // Wait until the sender is stuck.
      long last = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (sent.get() != last && System.nanoTime() < deadline) {
        last = sent.get();
        Thread.sleep(200);
      }
      assertTrue(sent.get() < frames, "the sender is held back, sent " + sent.get());
      long queued = server.queuedBytesTo(slow.peer());
      assertTrue(
          queued <= maxQueued + 2 * 64 * 1024,
          "queue toward the slow reader stays bounded, was " + queued);

      // Others are unaffected.
      for (int i = 0; i < 64; i++) {
        c.sendData(cd, 0, i, true, chunk);
      }
      for (int i = 0; i < 64; i++) {
        assertEquals(i, d.expect(RawTunnelClient.Data.class).number());
      }

      // The slow reader reads: everything arrives, in order, none dropped.
      slow.timeout(10_000);
      for (int i = 0; i < frames; i++) {
        RawTunnelClient.Data got = slow.expect(RawTunnelClient.Data.class);
        assertEquals(i, got.number());
        assertEquals(size, got.payload().length);
      }
      writing.get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void silentClientsAreClosedAndPingingOnesStay() throws Exception {
    server = TunnelServer.builder().port(0).idleTimeout(Duration.ofMillis(300)).start();
    try (RawTunnelClient silent = registered(server);
        RawTunnelClient pinging = registered(server)) {
      Future<?> pings =
          writers.submit(
              () -> {
                for (int i = 0; i < 20; i++) {
                  pinging.send(new TunnelFrame.Ping(i));
                  assertEquals(i, pinging.expect(TunnelFrame.Pong.class).token());
                  Thread.sleep(50);
                }
                return null;
              });
      silent.timeout(5000);
      long start = System.nanoTime();
      TunnelFrame.Error error = silent.expect(TunnelFrame.Error.class);
      assertEquals(ErrorCode.IDLE_TIMEOUT, error.code());
      assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
      pings.get(10, TimeUnit.SECONDS);
      assertTrue(server.isRegistered(pinging.peer()), "1 s of pings keeps it registered");
      assertFalse(server.isRegistered(silent.peer()));
    }
  }

  @Test
  void bannedPeersAreRefusedAndKickedOthersStay() throws Exception {
    Ed25519Identity bannedAtStart = Ed25519Identity.generate();
    server = TunnelServer.builder().port(0).ban(bannedAtStart.peerId()).start();
    try (RawTunnelClient refused = RawTunnelClient.connect(server, bannedAtStart, 0);
        RawTunnelClient later = registered(server);
        RawTunnelClient stays = registered(server)) {
      TunnelFrame.Error error = assertInstanceOf(TunnelFrame.Error.class, refused.register(0, ""));
      assertEquals(ErrorCode.BANNED, error.code());
      long id = RawTunnelClient.open(later, stays, 2);

      server.ban(later.peer());
      assertEquals(ErrorCode.BANNED, later.expect(TunnelFrame.Error.class).code());
      assertTrue(later.closedByServer());
      assertEquals(id, stays.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      assertTrue(server.isRegistered(stays.peer()));
      try (RawTunnelClient again = RawTunnelClient.connect(server, later.identity, 0)) {
        assertEquals(
            ErrorCode.BANNED,
            assertInstanceOf(TunnelFrame.Error.class, again.register(0, "")).code());
      }
      server.unban(later.peer());
      try (RawTunnelClient again = RawTunnelClient.connect(server, later.identity, 0)) {
        assertInstanceOf(TunnelFrame.Registered.class, again.register(0, ""));
      }
    }
  }
}
