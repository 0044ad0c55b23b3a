package dev.p2p.relay.harness;

import dev.p2p.relay.RelayServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Memory per idle logged-in relay client: starts a relay in this JVM, logs in {@code count} clients
 * from a child JVM ({@link RelayLoadClients}), waits until all are in, then reports live heap
 * (after full GCs) and resident memory per client. Bounded: gives up after {@code seconds}. Not run
 * by {@code mvn verify}; run it under {@code flock /tmp/bench.lock} with -Xmx1g, e.g.
 *
 * <pre>
 * java -Xmx1g -cp CLASSPATH dev.p2p.relay.harness.RelayMemoryHarness 19000 240
 * </pre>
 *
 * Each client is one socket in this process: the count is capped by {@code ulimit -n}.
 */
public final class RelayMemoryHarness {
  private RelayMemoryHarness() {}

  public static void main(String[] args) throws Exception {
    int count = Integer.parseInt(args[0]);
    long seconds = Long.parseLong(args[1]);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    try (RelayServer relay = RelayServer.builder().stunPort(-1).build().start()) {
      long baseHeap = liveHeap();
      long baseRss = rss();
      ProcessBuilder pb =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-Xmx2g",
                      "-cp",
                      System.getProperty("java.class.path"),
                      RelayLoadClients.class.getName(),
                      relay.url().toString(),
                      Integer.toString(count),
                      Long.toString(seconds)))
              .redirectErrorStream(true);
      Process clients = pb.start();
      Thread echo =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8))) {
                  r.lines().forEach(l -> System.out.println("  [clients] " + l));
                } catch (java.io.IOException e) {
                  // child gone
                }
              });
      echo.setDaemon(true);
      echo.start();
      long start = System.nanoTime();
      int last = -1;
      while (relay.clientCount() < count && System.nanoTime() < deadline && clients.isAlive()) {
        Thread.sleep(1000);
        int n = relay.clientCount();
        if (n / 2000 != last / 2000) {
          System.out.printf(
              "%d clients after %d s%n", n, (System.nanoTime() - start) / 1_000_000_000L);
          last = n;
        }
      }
      Thread.sleep(2000); // let login garbage and in-flight handshakes settle
      int n = relay.clientCount();
      long heap = liveHeap();
      long rss = rss();
      System.out.printf(
          "clients=%d loginSeconds=%d liveHeapDelta=%d B (%.0f B/client) rssDelta=%d B (%.0f B/client)"
              + " maxHeap=%d MiB%n",
          n,
          (System.nanoTime() - start) / 1_000_000_000L,
          heap - baseHeap,
          (heap - baseHeap) / (double) Math.max(1, n),
          rss - baseRss,
          (rss - baseRss) / (double) Math.max(1, n),
          Runtime.getRuntime().maxMemory() >> 20);
      clients.getOutputStream().close();
      if (!clients.waitFor(20, TimeUnit.SECONDS)) {
        clients.destroyForcibly();
      }
    }
  }

  private static long liveHeap() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Resident set size of this process, from /proc (0 where there is none). */
  private static long rss() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (java.io.IOException e) {
      // not Linux
    }
    return 0;
  }
}
