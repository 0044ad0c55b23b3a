package dev.p2p.relay.harness;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.RelayClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of {@link RelayMemoryHarness}, in its own JVM so the relay's heap holds only the
 * relay: logs in {@code count} clients to {@code url}, each from its own loopback source address
 * (spread over 127.0.0.0/8, so no address runs out of ephemeral ports), keeps them idle (answering
 * pings) and exits after {@code seconds} or when its standard input closes.
 *
 * <p>Usage: {@code RelayLoadClients URL COUNT SECONDS}
 */
public final class RelayLoadClients {
  private RelayLoadClients() {}

  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int count = Integer.parseInt(args[1]);
    long seconds = Long.parseLong(args[2]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    Semaphore inFlight = new Semaphore(256);
    AtomicInteger ok = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    List<RelayClient> clients = new ArrayList<>(count);
    for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
      inFlight.acquire();
      // 127.1.0.1 upwards: 250 clients per source address.
      int a = i / 250;
      InetSocketAddress local =
          new InetSocketAddress("127.1." + (a / 250) + "." + (a % 250 + 1), 0);
      CompletableFuture<RelayClient> f =
          RelayClient.connect(
              RelayClient.Options.of(url, Ed25519Identity.generate(), group)
                  .withLocalAddress(local));
      f.whenComplete(
          (c, e) -> {
            if (e == null) {
              ok.incrementAndGet();
              synchronized (clients) {
                clients.add(c);
              }
            } else if (failed.incrementAndGet() <= 5) {
              System.err.println("login failed: " + e);
            }
            inFlight.release();
          });
    }
    inFlight.acquire(256);
    System.out.println("clients logged in: " + ok.get() + ", failed: " + failed.get());
    System.out.flush();
    Thread stdin =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // wait for the harness to close our input
                }
              } catch (java.io.IOException e) {
                // harness gone
              }
            });
    stdin.setDaemon(true);
    stdin.start();
    stdin.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
