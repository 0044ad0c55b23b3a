package dev.p2p.relay.harness;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.RelayServer;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One sender, one receiver through a relay on loopback: packets per second and MB/s of payload for
 * a packet size, plus the median round trip of a 64-byte ping-pong through the relay. Not run by
 * {@code mvn verify}; run under {@code flock /tmp/bench.lock}:
 *
 * <pre>
 * java -cp CLASSPATH dev.p2p.relay.harness.RelayThroughputHarness 1200 200000
 * </pre>
 */
public final class RelayThroughputHarness {
  private RelayThroughputHarness() {}

  public static void main(String[] args) throws Exception {
    int size = Integer.parseInt(args[0]);
    int count = Integer.parseInt(args[1]);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    try (RelayServer relay =
        RelayServer.builder().stunPort(-1).queue(4096, 64 << 20).build().start()) {
      AtomicLong got = new AtomicLong();
      AtomicLong last = new AtomicLong();
      CountDownLatch done = new CountDownLatch(1);
      CountDownLatch[] pong = new CountDownLatch[1];
      RelayClient receiver =
          RelayClient.connect(
                  RelayClient.Options.of(relay.url(), Ed25519Identity.generate(), group)
                      .withListener(
                          new RelayClient.Listener() {
                            @Override
                            public void onPacket(PeerKey source, ByteBuf payload) {
                              last.set(System.nanoTime());
                              if (got.incrementAndGet() == count) {
                                done.countDown();
                              }
                            }
                          }))
              .get(10, TimeUnit.SECONDS);
      RelayClient sender =
          RelayClient.connect(
                  RelayClient.Options.of(relay.url(), Ed25519Identity.generate(), group)
                      .withListener(
                          new RelayClient.Listener() {
                            @Override
                            public void onPacket(PeerKey source, ByteBuf payload) {
                              pong[0].countDown();
                            }
                          }))
              .get(10, TimeUnit.SECONDS);
      byte[] data = new byte[size];
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        while (!sender.channel().isWritable()) {
          LockSupport.parkNanos(50_000);
        }
        sender.send(receiver.self(), Unpooled.wrappedBuffer(data));
      }
      boolean all = done.await(20, TimeUnit.SECONDS);
      double s = (last.get() - t0) / 1e9;
      System.out.printf(
          "size=%d sent=%d received=%d in %.2f s: %.0f packets/s, %.1f MB/s payload%s%n",
          size,
          count,
          got.get(),
          s,
          got.get() / s,
          got.get() * (double) size / s / 1e6,
          all ? "" : " (NOT ALL ARRIVED)");
      relay
          .metricsText()
          .lines()
          .filter(l -> l.startsWith("p2p_relay_packets_dropped_total"))
          .forEach(System.out::println);
      // Round trips: receiver echoes are not wired, so time sender -> receiver -> sender by hand.
      RelayClient echo = receiver;
      long[] rtts = new long[200];
      for (int i = 0; i < rtts.length; i++) {
        pong[0] = new CountDownLatch(1);
        long t = System.nanoTime();
        sender.send(sender.self(), Unpooled.wrappedBuffer(new byte[64])); // to itself: via relay
        if (!pong[0].await(5, TimeUnit.SECONDS)) {
          throw new IllegalStateException("no echo");
        }
        rtts[i] = System.nanoTime() - t;
      }
      java.util.Arrays.sort(rtts);
      System.out.printf(
          "round trip client -> relay -> client (64 B): median %.1f us, p99 %.1f us%n",
          rtts[rtts.length / 2] / 1e3, rtts[rtts.length * 99 / 100] / 1e3);
      echo.close();
      sender.close();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
