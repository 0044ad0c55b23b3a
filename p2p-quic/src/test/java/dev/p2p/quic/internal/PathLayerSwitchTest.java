package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.path.Route;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.handler.codec.quic.QuicConnectionStats;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The path layer moves a live connection between two real addresses of the same peer (bound to
 * 0.0.0.0, dialled as 127.0.0.1 and 127.0.0.2) many times during a transfer; QUIC never sees a
 * second path, and every message arrives once, in order.
 */
@ExtendWith(NettyLeakCheck.class)
class PathLayerSwitchTest {
  private static final int MESSAGES = 100_000;

  @Test
  void switchingPathsUnderQuicLosesNothingAndQuicNeverNotices() throws Exception {
    try (QuicPeers p =
        QuicPeers.connect(
            P2PConfig.empty(), "127.0.0.1:0", "0.0.0.0:0", List.of("127.0.0.1", "127.0.0.2"))) {
      PeerPath path = p.dialled.peerPath();
      // The two dialled addresses come first; the listener's traversal offer may add more.
      List<InetSocketAddress> both = List.copyOf(path.candidates().subList(0, 2));
      assertEquals(
          List.of("127.0.0.1", "127.0.0.2"),
          both.stream().map(a -> a.getAddress().getHostAddress()).toList(),
          "both direct addresses are candidates: " + path.candidates());
      AtomicInteger events = new AtomicInteger();
      p.dialled.addListener(
          new ConnectionListener() {
            @Override
            public void pathChanged(PathChangeEvent e) {
              assertEquals(PathType.DIRECT, e.current().type());
              events.incrementAndGet();
            }
          });

      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger switches = new AtomicInteger();
      AtomicInteger received = new AtomicInteger();
      Thread switcher =
          new Thread(
              () -> {
                int i = 0;
                while (!done.get()) {
                  InetSocketAddress next = both.get(i++ % 2);
                  if (!new Route.Direct(next).equals(path.current())) {
                    path.select(next);
                    switches.incrementAndGet();
                  }
                  try {
                    Thread.sleep(2);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "path-switcher");
      switcher.start();

      CompletableFuture<Void> receiving =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < MESSAGES; i++) {
                  byte[] m = p.accepted.recv().join();
                  int seq = ByteBuffer.wrap(m).getInt();
                  if (seq != i) {
                    throw new AssertionError("expected message " + i + ", got " + seq);
                  }
                  received.incrementAndGet();
                }
              });
      List<CompletableFuture<Void>> window = new ArrayList<>();
      for (int i = 0; i < MESSAGES; i++) {
        byte[] m = new byte[64];
        ByteBuffer.wrap(m).putInt(i);
        window.add(p.dialled.send(m));
        if (window.size() == 256) {
          CompletableFuture.allOf(window.toArray(CompletableFuture[]::new))
              .get(10, TimeUnit.SECONDS);
          window.clear();
        }
      }
      receiving.get(60, TimeUnit.SECONDS);
      done.set(true);
      switcher.join(5000);

      assertTrue(switches.get() >= 20, "only " + switches.get() + " switches during the transfer");
      assertEquals(switches.get(), events.get(), "one pathChanged event per switch");
      assertEquals(MESSAGES, received.get());
      for (InetSocketAddress a : both) {
        assertTrue(
            path.packetsSentTo(a) > 100, a + " carried " + path.packetsSentTo(a) + " packets");
      }
      assertTrue(
          p.accepted.recv().getNow(null) == null, "no message beyond the last (no duplicates)");
      // QUIC saw one peer address for the whole connection: no new path, no migration.
      QuicConnectionStats quic =
          p.dialled
              .quic()
              .eventLoop()
              .submit(() -> p.dialled.quic().collectStats().getNow())
              .get(5, TimeUnit.SECONDS);
      assertEquals(1, quic.pathsCount(), "QUIC paths");
      assertEquals(path.virtualAddress, p.dialled.quic().remoteSocketAddress());
      assertTrue(p.dialled.isConnected());
      assertEquals(PathType.DIRECT, p.dialled.stats().path());
    }
  }
}
