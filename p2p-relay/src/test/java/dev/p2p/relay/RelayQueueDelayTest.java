package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A reader slower than its sender: the relay drops packets once they wait longer than its delay
 * target, not only when the queue reaches its byte bound, so the queue (and the round trip of
 * everything behind it, QUIC's acknowledgements included) stays short. (A flooding sender may still
 * fill the queue in the few milliseconds before the first long wait is measured, so some queue_full
 * drops are allowed.)
 */
class RelayQueueDelayTest {
  @Test
  void aSlowReaderGetsDelayDropsNotAFullQueue() throws Exception {
    RelayServer relay =
        RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
    try (TestClient slow = TestClient.login(relay);
        TestClient sender = TestClient.offender(relay)) {
      slow.countOnly();
      Channel reader = slow.client().channel();
      reader.config().setAutoRead(false);
      // One socket read every 5 ms: a reader that takes a few MB/s, far less than is sent.
      ScheduledFuture<?> reads =
          reader.eventLoop().scheduleAtFixedRate(reader::read, 5, 5, TimeUnit.MILLISECONDS);
      byte[] chunk = new byte[16 * 1024];
      for (int i = 0; i < 2000; i++) {
        sender.send(slow, chunk);
        Channel out = sender.client().channel();
        if (!out.isWritable()) {
          out.flush();
          while (!out.isWritable() && out.isActive()) {
            LockSupport.parkNanos(200_000);
          }
        }
      }
      sender.client().channel().flush();
      String m = relay.metricsText();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (RelayIsolationTest.dropCount(m, "queue_delay") == 0 && System.nanoTime() < deadline) {
        Thread.sleep(10);
        m = relay.metricsText();
      }
      reads.cancel(false);
      assertTrue(
          RelayIsolationTest.dropCount(m, "queue_delay") > 0,
          "a reader slower than its sender must make the relay drop for delay:\n" + m);
      assertTrue(slow.receivedCount() > 0, "the slow reader must still get packets");
    } finally {
      relay.close();
    }
  }
}
