package dev.p2p.benchmarks.lab;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongFunction;

/** The benchmark's output: one line per attempt while it runs, one table at the end. */
final class LabTable {
  private LabTable() {}

  /** One attempt, as it finishes. */
  static String line(Attempt a) {
    return String.format(
        Locale.ROOT,
        "%-7s connect %5d ms  1st echo %5d ms  direct %5s ms  udp %5d pkts %8d B"
            + "  (0x04 probes %5d pkts %7d B)  cpu %4d / %4d ms  %s",
        a.outcome(),
        a.connectMs(),
        a.firstMs(),
        a.directMs() < 0 ? "-" : Long.toString(a.directMs()),
        a.udpPackets(),
        a.udpBytes(),
        a.probePackets(),
        a.probeBytes(),
        a.diallerCpuMs(),
        a.listenerCpuMs(),
        a.detail());
  }

  /** Per pairing: the share direct, times (p50 / p90), and medians of the per-attempt costs. */
  static String render(Map<String, List<Attempt>> results) {
    StringBuilder s = new StringBuilder();
    s.append(
        "| dialler x listener | ended direct | connect→1st echo p50 / p90 (ms) |"
            + " connect→direct p50 / p90 (ms) | UDP pkts / bytes per attempt (p50) |"
            + " of which 0x04 probes (p50) | CPU dialler / listener (ms, p50) |\n");
    s.append("|---|---|---|---|---|---|---|\n");
    int pairingsDirect = 0;
    int attempts = 0;
    int direct = 0;
    for (Map.Entry<String, List<Attempt>> e : results.entrySet()) {
      List<Attempt> all = e.getValue();
      List<Attempt> ok = all.stream().filter(a -> !a.failed()).toList();
      List<Attempt> dir = all.stream().filter(Attempt::direct).toList();
      attempts += all.size();
      direct += dir.size();
      if (dir.size() == all.size()) {
        pairingsDirect++;
      }
      s.append(
          String.format(
              Locale.ROOT,
              "| %s | %d / %d%s | %s | %s | %s / %s | %s / %s | %s / %s |%n",
              e.getKey(),
              dir.size(),
              all.size(),
              ok.size() < all.size() ? " (" + (all.size() - ok.size()) + " failed)" : "",
              pair(ok, Attempt::firstMs),
              pair(dir, Attempt::directMs),
              median(ok, Attempt::udpPackets),
              median(ok, Attempt::udpBytes),
              median(ok, Attempt::probePackets),
              median(ok, Attempt::probeBytes),
              median(ok, Attempt::diallerCpuMs),
              median(ok, Attempt::listenerCpuMs)));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "%npairings where every attempt ended direct: %d of %d; attempts direct: %d of %d%n",
            pairingsDirect,
            results.size(),
            direct,
            attempts));
    return s.toString();
  }

  private static String pair(List<Attempt> list, ToLongFunction<Attempt> f) {
    if (list.isEmpty()) {
      return "-";
    }
    return percentile(list, f, 0.5) + " / " + percentile(list, f, 0.9);
  }

  private static String median(List<Attempt> list, ToLongFunction<Attempt> f) {
    return list.isEmpty() ? "-" : Long.toString(percentile(list, f, 0.5));
  }

  /** Nearest rank: the smallest value with at least {@code p} of the values at or below it. */
  static long percentile(List<Attempt> list, ToLongFunction<Attempt> f, double p) {
    long[] v = list.stream().mapToLong(f).sorted().toArray();
    int rank = (int) Math.ceil(p * v.length);
    return v[Math.max(0, rank - 1)];
  }
}
