package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.relay.NettyLeakCheck;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A sender faster than its reader (or its path) is held back by {@code send}'s futures: what it has
 * been told is accepted but the reader has not got stays within the buffers the settings allow,
 * however long it sends. (Netty's stream channel stays writable while its own queue moves at all,
 * so its writability alone let the sender queue its whole volume in direct memory.)
 */
@ExtendWith(NettyLeakCheck.class)
class QuicSlowReaderTest {
  @Test
  void aSlowReaderKeepsWhatTheSenderHasOutstandingBounded() throws Exception {
    int window = 64 * 1024;
    int queue = 64 * 1024;
    int size = 64 * 1024;
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_QUIC_STREAM_WINDOW", Integer.toString(window))
            .set("P2P_QUIC_RECEIVE_BUFFER", Integer.toString(queue))
            .build();
    // The settings allow about 1.2 MiB (reader queue, windows, what the stream holds untaken, what
    // send accepts ahead of it); messages between the threads add to it (up to 2.8 MiB measured on
    // loopback). Without the limit on the stream's queue the gap grows with the duration (25-30
    // MiB in these 3 s), since the sender's futures complete as fast as it sends.
    long bound = 8L << 20;
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try (QuicPeers p = QuicPeers.connect(config)) {
      AtomicLong received = new AtomicLong();
      AtomicInteger expected = new AtomicInteger(Integer.MAX_VALUE);
      Future<?> reading =
          reader.submit(
              () -> {
                for (int i = 0; i < expected.get(); i++) {
                  byte[] m = p.accepted.recv().get(10, TimeUnit.SECONDS);
                  assertEquals(i, ByteBuffer.wrap(m).getInt(), "message order");
                  received.addAndGet(m.length);
                  Thread.sleep(1); // a reader slower than loopback
                }
                return null;
              });
      long accepted = 0;
      long worst = 0;
      int sent = 0;
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
      // At most 64 MiB offered: without the bound they would all be accepted at once.
      while (System.nanoTime() < end && accepted < (64 << 20) && worst <= bound) {
        byte[] m = new byte[size];
        ByteBuffer.wrap(m).putInt(sent);
        CompletableFuture<Void> f = p.dialled.send(m);
        sent++;
        f.get(10, TimeUnit.SECONDS);
        accepted += size;
        worst = Math.max(worst, accepted - received.get());
      }
      expected.set(sent);
      reading.get(30, TimeUnit.SECONDS);
      assertTrue(
          worst <= bound,
          "the sender had " + worst + " bytes accepted and not received, bound " + bound);
      assertEquals(accepted, received.get());
      assertTrue(sent > 8, "the reader should have taken something: " + sent);
    } finally {
      reader.shutdownNow();
    }
  }
}
