package dev.p2p.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * CPU per message, per thread, for {@link TransportBenchmark}'s bulk workload (4 MiB batches with
 * back-pressure, waiting for the sink after each): wall-clock throughput swings with the load of a
 * shared machine, the CPU each thread spends per message much less. Thread CPU from {@link
 * ThreadMXBean}, process CPU from the OS bean; thread names are grouped (peer ids and numbers
 * dropped).
 *
 * <p>{@code java -cp benchmarks.jar dev.p2p.benchmarks.CpuPerMessage tunnel 1024 2000 1000 3}:
 * transport, message size, MiB of warm-up, MiB per measured round, rounds.
 */
public final class CpuPerMessage {
  static final int MIB = 1 << 20;

  static final class Sink {
    final BenchEndpoint e;
    long received;
    long target = Long.MAX_VALUE;
    CompletableFuture<Void> reached;

    Sink(BenchEndpoint e) {
      this.e = e;
      pump();
    }

    synchronized CompletableFuture<Void> when(long b) {
      if (received >= b) return CompletableFuture.completedFuture(null);
      target = b;
      reached = new CompletableFuture<>();
      return reached;
    }

    void pump() {
      while (true) {
        CompletableFuture<byte[]> n = e.recv();
        if (!n.isDone()) {
          n.whenComplete(
              (m, x) -> {
                if (x == null) {
                  count(m);
                  pump();
                }
              });
          return;
        }
        count(n.join());
      }
    }

    void count(byte[] m) {
      CompletableFuture<Void> d = null;
      synchronized (this) {
        received += m.length;
        if (received >= target) {
          d = reached;
          target = Long.MAX_VALUE;
        }
      }
      if (d != null) d.complete(null);
    }
  }

  public static void main(String[] a) throws Exception {
    String transport = a[0];
    int size = Integer.parseInt(a[1]);
    long warm = Long.parseLong(a[2]);
    long measure = Long.parseLong(a[3]);
    int rounds = Integer.parseInt(a[4]);
    BenchTransport bench = BenchTransport.create(transport);
    BenchPair bulk = bench.connect();
    Sink sink = new Sink(bulk.acceptor());
    byte[] msg = new byte[size];
    Arrays.fill(msg, (byte) 0x5a);
    long[] target = {0};
    Runnable batch =
        () -> {
          int count = 4 * MIB / size;
          for (int i = 0; i < count; i++) {
            CompletableFuture<Void> f = bulk.dialler().send(msg);
            if (!f.isDone()) Waits.get(f);
          }
          target[0] += (long) count * size;
          Waits.get(sink.when(target[0]));
        };
    for (long m = 0; m < warm; m += 4) batch.run();
    ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int r = 0; r < rounds; r++) {
      Map<Long, Long> cpu0 = new HashMap<>();
      for (long id : tmx.getAllThreadIds()) cpu0.put(id, tmx.getThreadCpuTime(id));
      long p0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (long m = 0; m < measure; m += 4) batch.run();
      long wall = System.nanoTime() - t0;
      long p1 = os.getProcessCpuTime();
      double msgs = (double) measure * MIB / size;
      TreeMap<String, Long> byGroup = new TreeMap<>();
      for (long id : tmx.getAllThreadIds()) {
        ThreadInfo ti = tmx.getThreadInfo(id);
        if (ti == null) continue;
        long c = tmx.getThreadCpuTime(id) - cpu0.getOrDefault(id, 0L);
        String n = ti.getThreadName().replaceAll("[0-9a-f]{6,}", "X").replaceAll("-\\d+$", "-N");
        if (id == Thread.currentThread().getId()) n = "main(sender)";
        byGroup.merge(n, c, Long::sum);
      }
      StringBuilder sb = new StringBuilder();
      sb.append(
          String.format(
              "round %d: %.0f MiB/s, process %.0f ns/msg, cpus %.2f |",
              r, measure / (wall / 1e9), (p1 - p0) / msgs, (p1 - p0) / (double) wall));
      for (var e : byGroup.entrySet())
        if (e.getValue() / msgs > 5)
          sb.append(String.format(" %s=%.0f", e.getKey(), e.getValue() / msgs));
      System.out.println(sb);
    }
    bulk.close();
    bench.close();
    System.exit(0);
  }
}
