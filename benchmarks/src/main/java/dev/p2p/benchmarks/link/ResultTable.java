package dev.p2p.benchmarks.link;

import java.util.List;
import java.util.Locale;

/** Prints the rows of one run as a Markdown table, with ratios to the tunnel and to iperf3 TCP. */
final class ResultTable {
  private ResultTable() {}

  static String format(List<Row> rows) {
    Row tunnel = find(rows, "tunnel");
    Row tcp = find(rows, "iperf3-tcp");
    StringBuilder out = new StringBuilder();
    out.append(
        "| transport | MB/s | × tunnel | × iperf3 TCP | sender CPU s/GiB | receiver CPU s/GiB"
            + " | server CPU s/GiB | RTT 64 B p50 µs | p99 µs | p50 × tunnel | note |\n");
    out.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      out.append("| ").append(r.name());
      cell(out, r.megabytesPerSecond(), "%,.0f");
      cell(
          out,
          ratio(r.megabytesPerSecond(), tunnel == null ? Double.NaN : tunnel.megabytesPerSecond()),
          "%.2f×");
      cell(
          out,
          ratio(r.megabytesPerSecond(), tcp == null ? Double.NaN : tcp.megabytesPerSecond()),
          "%.2f×");
      cell(out, r.senderCpuPerGiB(), "%.2f");
      cell(out, r.receiverCpuPerGiB(), "%.2f");
      cell(out, r.serverCpuPerGiB(), "%.2f");
      cell(out, r.rttP50Micros(), "%.0f");
      cell(out, r.rttP99Micros(), "%.0f");
      cell(
          out,
          ratio(r.rttP50Micros(), tunnel == null ? Double.NaN : tunnel.rttP50Micros()),
          "%.2f×");
      out.append(" | ").append(r.note()).append(" |\n");
    }
    return out.toString();
  }

  private static Row find(List<Row> rows, String name) {
    return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
  }

  private static double ratio(double a, double b) {
    return a / b;
  }

  private static void cell(StringBuilder out, double v, String format) {
    out.append(" | ");
    if (!Double.isNaN(v) && !Double.isInfinite(v)) {
      out.append(String.format(Locale.ROOT, format, v));
    }
  }
}
