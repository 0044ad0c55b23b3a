package dev.p2p.benchmarks;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.relay.RelayServer;
import dev.p2p.tunnel.server.TunnelServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The relay path's counters beside its speed, which JMH's scores on a shared machine cannot give: a
 * relay-only QUIC pair (bound to 127.0.0.1, as in {@link TransportBenchmark}) and a {@link
 * RelayServer} in this JVM; per round the MiB/s, srtt and loss from {@code stats()}, the relay's
 * drop counters, and CPU per MiB (or per round trip) for each thread group, from {@code
 * ThreadMXBean} and as user / system from {@code /proc/self/task}.
 *
 * <pre>
 * java -cp benchmarks.jar dev.p2p.benchmarks.RelayPathProbe bulk64|bulk1|rtt [rounds]
 *   -Dtunnel=true   the tunnel provider and its server instead (the reference)
 *   -Dbind=ADDR     P2P_QUIC_BIND (default 127.0.0.1:0; 0.0.0.0:0 takes the interfaces' MTU)
 *   -Dbusy=US       P2P_QUIC_BUSY_POLL_US (default 50)
 *   -Dset=K=V,K=V   further provider settings (e.g. P2P_QUIC_CC=cubic)
 *   -DrelayThreads=N the relay's event-loop threads (default: one per core)
 *   -DrelayBusy=US  the relay's P2P_RELAY_BUSY_POLL_US (default 50)
 *   -Dorg.slf4j.simpleLogger.log.dev.p2p.quic.internal.QuicStatsSampler=debug  QUIC's sent, lost, cwnd
 * </pre>
 */
public final class RelayPathProbe {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private RelayPathProbe() {}

  public static void main(String[] args) throws Exception {
    try {
      run(args);
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.exit(1); // the relay's threads would keep the JVM alive
    }
    System.exit(0); // the providers' threads are not the point here
  }

  private static void run(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "bulk64";
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    boolean tunnel = Boolean.getBoolean("tunnel");
    RelayServer relay =
        RelayServer.builder()
            .host("127.0.0.1")
            .port(0)
            .workerThreads(
                Integer.getInteger("relayThreads", Runtime.getRuntime().availableProcessors()))
            .busyPoll(Duration.ofNanos(1000 * Long.getLong("relayBusy", 50)))
            .build()
            .start();
    TunnelServer tunnelServer =
        tunnel ? TunnelServer.builder().host("127.0.0.1").port(0).start() : null;
    P2PConfig config =
        tunnel
            ? P2PConfig.builder()
                .implementation("tunnel")
                .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + tunnelServer.port())
                .build()
            : P2PConfig.builder()
                .implementation("quic")
                .set("P2P_RELAY_SERVERS", relay.url().toString())
                .set("P2P_RELAY_ONLY", "true")
                .set("P2P_QUIC_BIND", System.getProperty("bind", "127.0.0.1:0"))
                .set("P2P_QUIC_BUSY_POLL_US", System.getProperty("busy", "50"))
                .build();
    for (String kv : System.getProperty("set", "").split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        config = config.toBuilder().set(kv.substring(0, eq), kv.substring(eq + 1)).build();
      }
    }
    P2PProvider dialler = P2P.open(config);
    P2PProvider acceptor = P2P.open(config);
    P2PListener listener = acceptor.listen(tunnel ? "" : "127.0.0.1:0").get(10, TimeUnit.SECONDS);
    CompletableFuture<P2PConnection> accepted = listener.accept();
    PeerAddress target =
        tunnel ? listener.peerAddress() : PeerAddress.of(listener.peerAddress().peerId());
    P2PConnection out = dialler.connect(target).get(10, TimeUnit.SECONDS);
    P2PConnection in = accepted.get(10, TimeUnit.SECONDS);
    if (mode.startsWith("bulk")) {
      bulk(relay, out, in, mode.equals("bulk1") ? 1024 : 64 * 1024, rounds);
    } else {
      roundTrips(relay, out, in, rounds);
    }
  }

  private static void bulk(
      RelayServer relay, P2PConnection out, P2PConnection in, int size, int rounds)
      throws Exception {
    long roundBytes = (size == 1024 ? 32L : 128L) << 20;
    AtomicLong received = new AtomicLong();
    Runnable[] pump = new Runnable[1];
    pump[0] =
        () -> {
          while (true) {
            CompletableFuture<byte[]> f = in.recv();
            if (!f.isDone()) {
              f.thenAccept(
                  m -> {
                    received.addAndGet(m.length);
                    pump[0].run();
                  });
              return;
            }
            received.addAndGet(f.join().length);
          }
        };
    pump[0].run();
    byte[] message = new byte[size];
    long target = 0;
    for (int r = 0; r < rounds; r++) {
      Map<String, Long> cpu0 = cpuByGroup();
      Map<String, long[]> proc0 = procTicks();
      long t0 = System.nanoTime();
      for (long sent = 0; sent < roundBytes; sent += size) {
        CompletableFuture<Void> f = out.send(message);
        if (!f.isDone()) {
          f.get(30, TimeUnit.SECONDS);
        }
      }
      target += roundBytes;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (received.get() < target && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      long t1 = System.nanoTime();
      double mib = roundBytes / 1048576.0;
      System.out.printf(
          "round %d: %.0f MiB/s, srtt out %s in %s, loss out %.5f in %.5f%n",
          r,
          mib / ((t1 - t0) / 1e9),
          out.stats().rtt(),
          in.stats().rtt(),
          out.stats().packetLoss(),
          in.stats().packetLoss());
      System.out.println("  cpu ms/MiB:" + cpuDelta(cpu0, cpuByGroup(), 1e6 * mib));
      System.out.println("  user/sys ms/MiB:" + procDelta(proc0, procTicks(), mib));
      System.out.println("  relay drops: " + drops(relay));
    }
  }

  private static void roundTrips(RelayServer relay, P2PConnection out, P2PConnection in, int rounds)
      throws Exception {
    Runnable[] echo = new Runnable[1];
    echo[0] =
        () ->
            in.recv()
                .thenCompose(in::send)
                .whenComplete(
                    (v, e) -> {
                      if (e == null) {
                        echo[0].run();
                      }
                    });
    echo[0].run();
    byte[] message = new byte[64];
    int n = 4000;
    for (int r = 0; r < rounds; r++) {
      long[] samples = new long[n];
      Map<String, Long> cpu0 = cpuByGroup();
      double packets0 = forwarded(relay);
      for (int i = 0; i < n; i++) {
        long t0 = System.nanoTime();
        CompletableFuture<byte[]> reply = out.recv();
        out.send(message);
        reply.get(5, TimeUnit.SECONDS);
        samples[i] = System.nanoTime() - t0;
      }
      Map<String, Long> cpu1 = cpuByGroup();
      double perTrip = (forwarded(relay) - packets0) / n;
      long sum = Arrays.stream(samples).sum();
      Arrays.sort(samples);
      System.out.printf(
          "rtt round %d: p50 %.1f us, mean %.1f us, p90 %.1f us, %.2f relay frames per round trip%n",
          r, samples[n / 2] / 1e3, sum / 1e3 / n, samples[n * 9 / 10] / 1e3, perTrip);
      System.out.println("  cpu us/round trip:" + cpuDelta(cpu0, cpu1, 1e3 * n));
    }
  }

  /** CPU time per thread name, digits folded (one group per loop kind). */
  private static Map<String, Long> cpuByGroup() {
    Map<String, Long> m = new TreeMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      ThreadInfo ti = THREADS.getThreadInfo(id);
      long t = THREADS.getThreadCpuTime(id);
      if (ti != null && t >= 0) {
        m.merge(ti.getThreadName().replaceAll("[0-9]+", "#"), t, Long::sum);
      }
    }
    return m;
  }

  private static String cpuDelta(Map<String, Long> a, Map<String, Long> b, double unitNanos) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Long> e : b.entrySet()) {
      long dt = e.getValue() - a.getOrDefault(e.getKey(), 0L);
      if (dt > 5_000_000) {
        sb.append(String.format(" %s=%.2f", e.getKey(), dt / unitNanos));
      }
    }
    return sb.toString();
  }

  /** User and system clock ticks per thread name (/proc: 15-character names), digits folded. */
  private static Map<String, long[]> procTicks() throws IOException {
    Map<String, long[]> m = new TreeMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String stat;
        try {
          stat = Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended
        }
        int close = stat.lastIndexOf(')');
        String name = stat.substring(stat.indexOf('(') + 1, close).replaceAll("[0-9]+", "#");
        String[] f = stat.substring(close + 2).split(" ");
        long[] a = m.computeIfAbsent(name, k -> new long[2]);
        a[0] += Long.parseLong(f[11]);
        a[1] += Long.parseLong(f[12]);
      }
    }
    return m;
  }

  private static String procDelta(Map<String, long[]> a, Map<String, long[]> b, double mib) {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, long[]> e : b.entrySet()) {
      long[] before = a.getOrDefault(e.getKey(), new long[2]);
      long user = e.getValue()[0] - before[0];
      long sys = e.getValue()[1] - before[1];
      if (user + sys > 1) {
        // A clock tick is 10 ms on this kernel (USER_HZ 100).
        sb.append(String.format(" %s=%.2f/%.2f", e.getKey(), user * 10 / mib, sys * 10 / mib));
      }
    }
    return sb.toString();
  }

  /** The frames (packets or batches) the relay forwarded so far. */
  private static double forwarded(RelayServer relay) {
    for (String line : relay.metricsText().split("\n")) {
      if (line.startsWith("p2p_relay_packets_forwarded_total ")) {
        return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    return 0;
  }

  /** The relay's drops by reason, and the mean size of the packets it forwarded so far. */
  private static String drops(RelayServer relay) {
    StringBuilder sb = new StringBuilder();
    double packets = 0;
    double bytes = 0;
    for (String line : relay.metricsText().split("\n")) {
      if (line.startsWith("p2p_relay_packets_dropped_total")) {
        sb.append(line.substring("p2p_relay_packets_dropped_total".length())).append(' ');
      } else if (line.startsWith("p2p_relay_packets_forwarded_total ")) {
        packets = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      } else if (line.startsWith("p2p_relay_bytes_forwarded_total ")) {
        bytes = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    if (packets > 0) {
      sb.append(String.format("; forwarded packets of %.0f B on average", bytes / packets));
    }
    return sb.toString();
  }
}
