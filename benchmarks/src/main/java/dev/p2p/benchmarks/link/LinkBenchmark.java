package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every transport over one veth link with a real MTU (default 1,500), each side a separate JVM in
 * its own network namespace; prints one table of ratios from one run. Needs root (it creates the
 * namespaces); otherwise it says why and exits with status 0. Not part of {@code mvn verify}.
 *
 * <pre>
 * flock /tmp/bench.lock java -cp benchmarks/target/benchmarks.jar dev.p2p.benchmarks.link.LinkBenchmark
 *     [--volume-mib 2048] [--warm-mib 256] [--rtt 5000] [--rtt-warm 1000] [--mtu 1500]
 *     [--timeout-s 240] [--only iperf3-tcp,java-tcp,tunnel,quic,...]
 *     [--loss-percent 1]                     (random loss each way, no offloads: see VethLink)
 *     [--quic NAME:KEY=VALUE,KEY=VALUE]...   (QUIC variants; default: quic, quic-1452)
 *     [--jvm-args "-Xmx2g ..."]              (for every child JVM)
 *     [--strace true]                        (system calls per MiB; slows the rows down)
 * </pre>
 *
 * Rows: iperf3 TCP and UDP (if installed), a Java TCP stream, the tunnel (server in the receiver's
 * namespace), each QUIC variant, and on request ({@code --only relay,relay-1472,relay-1472-v1})
 * QUIC through a relay in the receiver's namespace. Bulk is 64 KiB reliable messages: a warm-up,
 * then the measured volume, timed by the receiver from its first to its last byte; then 64-byte
 * round trips on the same connection (median and p99 of N). A row's note gives the JIT compiler
 * threads' part of the sender's and receiver's CPU per GiB: well above zero, the warm-up was too
 * short for steady state (the default 256 MiB leaves C2 compiling through the measurement; {@code
 * --warm-mib 3072} does not).
 */
public final class LinkBenchmark {
  private static final long MIB = 1L << 20;

  /**
   * The relay rows, run only when {@code --only} names them: QUIC relay-only through a relay in the
   * receiver's namespace, with the relay-sized packets relay-only takes, and with the packets an
   * interface takes (1,472 bytes: the size a provider that may go direct uses), which the codec
   * sends in GSO batches and the relay carries as batch frames; and the same without batches.
   */
  private static final List<Map.Entry<String, List<String>>> RELAY_ROWS =
      List.of(
          Map.entry("relay", List.of()),
          Map.entry("relay-1472", List.of("P2P_QUIC_MAX_UDP_PAYLOAD=1472", "P2P_QUIC_PMTUD=0")),
          Map.entry(
              "relay-1472-v1",
              List.of("P2P_QUIC_MAX_UDP_PAYLOAD=1472", "P2P_QUIC_PMTUD=0", "P2P_RELAY_BATCHES=0")));

  private LinkBenchmark() {}

  private static void usageError(String why) {
    System.err.println("LinkBenchmark: " + why + "\n" + USAGE);
    System.exit(2);
  }

  private static final String USAGE =
      String.join(
          "\n",
          "usage: java -cp benchmarks.jar dev.p2p.benchmarks.link.LinkBenchmark",
          "    [--volume-mib 2048] [--warm-mib 256] [--rtt 5000] [--rtt-warm 1000] [--mtu 1500]",
          "    [--timeout-s 240] [--only iperf3-tcp,iperf3-udp-1350,java-tcp,tunnel,quic,...]",
          "    [--loss-percent 1] [--quic NAME:KEY=VALUE,KEY=VALUE]... [--jvm-args \"-Xmx2g\"]",
          "    [--relay NAME:KEY=VALUE,...]... (a relay row with these provider settings; runs always)",
          "    (--jvm-args \"-Drelay.threads=N -Dtunnel.threads=N\": the servers' event-loop threads)",
          "    [--strace true]",
          "Needs root (it creates two network namespaces); wrap it in flock /tmp/bench.lock.");

  private static final List<String> OPTIONS =
      List.of(
          "--volume-mib",
          "--warm-mib",
          "--rtt",
          "--rtt-warm",
          "--mtu",
          "--timeout-s",
          "--only",
          "--loss-percent",
          "--jvm-args",
          "--strace");

  public static void main(String[] argv) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    Map<String, List<String>> quic = new LinkedHashMap<>();
    Map<String, List<String>> relays = new LinkedHashMap<>();
    for (int i = 0; i < argv.length; i += 2) {
      String name = argv[i];
      if (name.equals("--help") || name.equals("-h")) {
        System.out.println(USAGE);
        return;
      }
      boolean variant = name.equals("--quic") || name.equals("--relay");
      if (!variant && !OPTIONS.contains(name)) {
        usageError("unknown option " + name);
        return;
      }
      if (i + 1 >= argv.length) {
        usageError(name + " needs a value");
        return;
      }
      if (variant) {
        String v = argv[i + 1];
        int colon = v.indexOf(':');
        (name.equals("--quic") ? quic : relays)
            .put(
                colon < 0 ? v : v.substring(0, colon),
                colon < 0 ? List.of() : Arrays.asList(v.substring(colon + 1).split(",")));
      } else {
        opt.put(name, argv[i + 1]);
      }
    }
    if (quic.isEmpty()) {
      quic.put("quic", List.of());
      quic.put("quic-1452", List.of("P2P_QUIC_MAX_UDP_PAYLOAD=1452"));
    }
    long volume = Long.parseLong(opt.getOrDefault("--volume-mib", "2048")) * MIB;
    long warm = Long.parseLong(opt.getOrDefault("--warm-mib", "256")) * MIB;
    int mtu = Integer.parseInt(opt.getOrDefault("--mtu", "1500"));
    long timeout = Long.parseLong(opt.getOrDefault("--timeout-s", "240"));
    List<String> only =
        opt.containsKey("--only") ? Arrays.asList(opt.get("--only").split(",")) : null;

    VethLink link;
    try {
      link = VethLink.create(mtu, Double.parseDouble(opt.getOrDefault("--loss-percent", "0")));
    } catch (VethLink.LinkUnavailableException e) {
      System.out.println("LinkBenchmark not run: " + e.getMessage());
      return;
    }
    List<LabProcess> live = new CopyOnWriteArrayList<>();
    Thread cleanup =
        new Thread(
            () -> {
              live.forEach(LabProcess::close);
              link.close();
            },
            "link-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      Path logs = Files.createTempDirectory("p2pmtu-logs");
      PeerRun.Plan plan =
          new PeerRun.Plan(
              javaCommand(opt.getOrDefault("--jvm-args", "")),
              warm,
              volume,
              Integer.parseInt(opt.getOrDefault("--rtt-warm", "1000")),
              Integer.parseInt(opt.getOrDefault("--rtt", "5000")),
              timeout,
              logs,
              Boolean.parseBoolean(opt.getOrDefault("--strace", "false")));
      System.out.println(header(mtu, warm, volume, plan, logs));
      if (opt.containsKey("--loss-percent")) {
        System.out.println(
            "random loss each way: " + opt.get("--loss-percent") + "%, veth offloads off");
      }
      PeerRun run = new PeerRun(plan, live);
      List<Row> rows = new ArrayList<>();
      boolean iperf = Iperf3.installed();
      if (wanted(only, "iperf3-tcp")) {
        rows.add(
            iperf
                ? Iperf3.run("iperf3-tcp", volume, 0, logs, timeout)
                : Row.failed("iperf3-tcp", "iperf3 not installed (apt-get install -y iperf3)"));
        progress(rows);
      }
      if (wanted(only, "iperf3-udp-1350")) {
        rows.add(
            iperf
                ? Iperf3.run("iperf3-udp-1350", volume, 1350, logs, timeout)
                : Row.failed("iperf3-udp-1350", "iperf3 not installed"));
        progress(rows);
      }
      if (wanted(only, "java-tcp")) {
        rows.add(run.tcp());
        progress(rows);
      }
      if (wanted(only, "tunnel")) {
        rows.add(run.tunnel());
        progress(rows);
      }
      for (Map.Entry<String, List<String>> r : RELAY_ROWS) {
        if (only != null && only.contains(r.getKey())) {
          rows.add(run.relay(r.getKey(), r.getValue()));
          progress(rows);
        }
      }
      for (Map.Entry<String, List<String>> r : relays.entrySet()) {
        rows.add(run.relay(r.getKey(), r.getValue()));
        progress(rows);
      }
      for (Map.Entry<String, List<String>> q : quic.entrySet()) {
        if (wanted(only, q.getKey())) {
          rows.add(run.quic(q.getKey(), q.getValue()));
          progress(rows);
        }
      }
      System.out.println();
      System.out.println("load average at the end: " + loadAverage());
      System.out.println(ResultTable.format(rows));
    } finally {
      live.forEach(LabProcess::close);
      link.close();
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  private static boolean wanted(List<String> only, String name) {
    return only == null || only.contains(name);
  }

  private static void progress(List<Row> rows) {
    Row r = rows.get(rows.size() - 1);
    System.out.println(
        PeerRun.fmt(
            "  %s: %.0f MB/s, rtt p50 %.0f µs %s (load %s)",
            r.name(), r.megabytesPerSecond(), r.rttP50Micros(), r.note(), loadAverage()));
  }

  private static List<String> javaCommand(String jvmArgs) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    Path jar =
        Path.of(LinkBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> c =
        new ArrayList<>(List.of(java, "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
    if (!jvmArgs.isBlank()) {
      c.addAll(Arrays.asList(jvmArgs.strip().split("\\s+")));
    }
    c.addAll(List.of("-cp", jar.toString()));
    return c;
  }

  private static String header(int mtu, long warm, long volume, PeerRun.Plan plan, Path logs) {
    return PeerRun.fmt(
        "LinkBenchmark %s: veth %s <-> %s, MTU %d, %s %s, %d vCPU, load average %s%n"
            + "64 KiB messages: %d MiB warm-up, %d MiB measured (receiver's first to last byte);"
            + " %d round trips of 64 B after %d; child logs in %s",
        Instant.now(),
        VethLink.SENDER_IP,
        VethLink.RECEIVER_IP,
        mtu,
        System.getProperty("java.vm.name"),
        System.getProperty("java.runtime.version"),
        Runtime.getRuntime().availableProcessors(),
        loadAverage(),
        warm / MIB,
        volume / MIB,
        plan.rttCount(),
        plan.rttWarm(),
        logs);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }
}
