package dev.p2p.benchmarks.lab;

import dev.p2p.benchmarks.link.ProcessCpu;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * NAT traversal as the QUIC provider does it, through the kernel NAT lab (p2p-testkit's {@code
 * NatLab}): for every ordered pairing of router kinds {NONE, EIM, EDM} (dialler x listener), N
 * attempts, each a fresh provider in each side's child JVM, the dialler dialling by peer id alone
 * (so it starts on a relay; two relays on the public segment, at two addresses, so a provider can
 * tell from STUN whether its NAT maps per destination). Prints one table: per pairing the share of
 * attempts that ended direct, median and p90 of {@code connect} to the echo of the first message
 * and of {@code connect} to the direct path, and per attempt the UDP packets and bytes spent
 * between the two sides before the path went direct (counted by nftables on the routers, not by the
 * provider), of those the provider's probes (payload byte 0x04), and each child's CPU
 * (/proc/PID/stat) over the same window. Whatever the provider does (plain punching, birthday
 * probing) is what gets measured.
 *
 * <pre>
 * flock /tmp/bench.lock java -cp benchmarks/target/benchmarks.jar dev.p2p.benchmarks.lab.NatLabBenchmark
 *     [--attempts 5]        (per pairing, 1..50)
 *     [--warmup 1]          (attempts per pairing before those, not counted: JIT warm-up, 0..5)
 *     [--window-ms 8000]    (how long an attempt waits for a direct path, 1000..60000)
 *     [--only EIM:EDM,...]  (pairings, dialler:listener, of NONE, EIM, EDM; default all nine)
 * </pre>
 *
 * Needs root, {@code ip} and {@code nft} (it builds network namespaces); elsewhere it says why and
 * exits with status 0. Not part of {@code mvn verify}.
 */
public final class NatLabBenchmark {
  private static final Duration START = Duration.ofSeconds(60);

  /** Relays, at two addresses: two STUN destinations tell a provider how its NAT maps. */
  private static final int RELAYS = 2;

  private static final Map<String, NatKind> KINDS =
      Map.of(
          "NONE", NatKind.NONE,
          "EIM", NatKind.ENDPOINT_INDEPENDENT,
          "EDM", NatKind.DESTINATION_DEPENDENT);

  /** Lab sides: two of each kind, so a pairing of one kind with itself has two routers. */
  private static final List<String> SIDES = List.of("NONE", "NONE", "EIM", "EIM", "EDM", "EDM");

  private NatLabBenchmark() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> opt = new LinkedHashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      opt.put(argv[i], argv[i + 1]);
    }
    int attempts = bounded(opt, "--attempts", 5, 1, 50);
    int warmup = bounded(opt, "--warmup", 1, 0, 5);
    long window = bounded(opt, "--window-ms", 8000, 1000, 60_000);
    List<String[]> pairings = pairings(opt.get("--only"));

    Optional<String> unavailable = NatLab.unavailableReason();
    if (unavailable.isPresent()) {
      System.out.println(
          "NatLabBenchmark not run: "
              + unavailable.get()
              + "\n  It builds network namespaces and nftables NATs: run it as root, with"
              + " iproute2 and nftables installed.");
      return;
    }
    String loadBefore = load();
    Instant started = Instant.now();
    System.out.printf(
        "NatLabBenchmark %s: %d attempts per pairing (after %d not counted), window %d ms,"
            + " %d CPUs, load %s%n",
        started, attempts, warmup, window, Runtime.getRuntime().availableProcessors(), loadBefore);
    List<NatKind> kinds = SIDES.stream().map(KINDS::get).toList();
    Map<String, List<Attempt>> results = new LinkedHashMap<>();
    try (NatLab lab = NatLab.create(RELAYS, kinds)) {
      List<String> relayIps =
          lab.relayAddresses().stream().map(java.net.InetAddress::getHostAddress).toList();
      LabProcess relay =
          lab.exec(
              lab.relayNamespace(),
              "relay",
              NatLab.javaCommand(NatLabRelay.class.getName(), relayIps));
      List<String> urls = new ArrayList<>();
      for (int i = 0; i < RELAYS; i++) {
        urls.add(relay.await("RELAY ", START));
      }
      String url = String.join(",", urls);
      List<LabProcess> peers = new ArrayList<>();
      for (LabSide side : lab.sides()) {
        peers.add(
            lab.exec(
                side.hostNamespace(),
                "peer-" + side.index(),
                NatLab.javaCommand(NatLabPeer.class.getName(), List.of(url))));
      }
      System.out.printf(
          "idle CPU of a child with a provider logged in to the relay: %.1f ms per s%n",
          idleCpuMsPerSecond(peers));
      for (String[] p : pairings) {
        int d = SIDES.indexOf(p[0]); // the first side of the dialler's kind
        int l = SIDES.lastIndexOf(p[1]); // the last of the listener's: never the same side
        String name = p[0] + "x" + p[1];
        PairingRun run =
            new PairingRun(
                lab, name, lab.sides().get(d), peers.get(d), lab.sides().get(l), peers.get(l));
        List<Attempt> list = new ArrayList<>();
        for (int k = 1 - warmup; k <= attempts; k++) {
          Attempt a = run.attempt(k + warmup, window);
          if (k > 0) {
            list.add(a);
          }
          String label = k > 0 ? "#" + k : "warm-up";
          System.out.printf("  %-9s %-7s %s%n", name, label, LabTable.line(a));
        }
        results.put(p[0] + " x " + p[1], list);
      }
    }
    System.out.println();
    System.out.print(LabTable.render(results));
    System.out.printf(
        "%nstarted %s, took %d s, load before %s, after %s%n",
        started, Duration.between(started, Instant.now()).toSeconds(), loadBefore, load());
  }

  /**
   * What a child costs doing nothing but keeping a provider logged in, for reading the CPU columns
   * (a relayed attempt's window is mostly that): the mean over every child of 3 s.
   */
  private static double idleCpuMsPerSecond(List<LabProcess> peers) throws Exception {
    for (LabProcess p : peers) {
      p.send("PREPARE idle");
      p.await("PREPARED idle", START);
    }
    long[] before = peers.stream().mapToLong(ProcessCpu::nanos).toArray();
    long t0 = System.nanoTime();
    Thread.sleep(3000);
    long elapsed = System.nanoTime() - t0;
    long used = 0;
    for (int i = 0; i < peers.size(); i++) {
      used += ProcessCpu.nanos(peers.get(i)) - before[i];
    }
    for (LabProcess p : peers) {
      p.send("CLOSE idle");
      p.await("CLOSED idle", START);
    }
    return used / 1e6 / peers.size() / (elapsed / 1e9);
  }

  private static List<String[]> pairings(String only) {
    List<String[]> out = new ArrayList<>();
    if (only == null) {
      for (String d : List.of("NONE", "EIM", "EDM")) {
        for (String l : List.of("NONE", "EIM", "EDM")) {
          out.add(new String[] {d, l});
        }
      }
      return out;
    }
    for (String p : only.split(",")) {
      String[] dl = p.strip().toUpperCase(java.util.Locale.ROOT).split(":");
      if (dl.length != 2 || !KINDS.containsKey(dl[0]) || !KINDS.containsKey(dl[1])) {
        throw new IllegalArgumentException(
            "--only takes DIALLER:LISTENER pairs of NONE, EIM, EDM, e.g. EIM:EDM; got " + p);
      }
      out.add(dl);
    }
    return out;
  }

  private static int bounded(Map<String, String> opt, String key, int dflt, int min, int max) {
    int v = Integer.parseInt(opt.getOrDefault(key, Integer.toString(dflt)));
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be " + min + ".." + max + ", got " + v);
    }
    return v;
  }

  /** The 1, 5 and 15 minute load averages: other work on the machine skews the times. */
  private static String load() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "?";
    }
  }
}
