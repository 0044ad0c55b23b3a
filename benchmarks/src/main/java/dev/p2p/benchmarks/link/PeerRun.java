package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

/**
 * One measured row with Java children: a receiver JVM in the receiver's namespace, a sender JVM in
 * the sender's, and for the tunnel a server JVM next to the receiver. CPU is sampled from {@code
 * /proc/PID/stat} of every child when the receiver marks the first and the last byte of the
 * measured volume.
 */
final class PeerRun {
  private static final double GIB = 1L << 30;

  /** What the benchmark was asked for; shared by every row. */
  record Plan(
      List<String> java,
      long warmBytes,
      long volumeBytes,
      int rttWarm,
      int rttCount,
      long timeoutSeconds,
      Path logDir,
      boolean strace) {}

  private final Plan plan;
  private final List<LabProcess> live;

  PeerRun(Plan plan, List<LabProcess> live) {
    this.plan = plan;
    this.live = live;
  }

  /** The plain TCP stream between two JVMs. */
  Row tcp() throws Exception {
    List<LabProcess> children = new ArrayList<>();
    try {
      LabProcess receiver =
          start(
              children,
              "tcp-recv",
              VethLink.RECEIVER_NS,
              args("tcp-recv", VethLink.RECEIVER_IP, plan.warmBytes, plan.volumeBytes));
      String target = receiver.await("READY", Duration.ofSeconds(60));
      LabProcess sender =
          start(
              children,
              "tcp-send",
              VethLink.SENDER_NS,
              args(
                  "tcp-send",
                  target,
                  plan.warmBytes,
                  plan.volumeBytes,
                  plan.rttWarm,
                  plan.rttCount));
      return measure("java-tcp", receiver, sender, null);
    } finally {
      closeAll(children);
    }
  }

  /** The tunnel: its server in the receiver's namespace, both clients through it. */
  Row tunnel() throws Exception {
    List<LabProcess> children = new ArrayList<>();
    try {
      LabProcess server =
          start(
              children,
              "tunnel-server",
              VethLink.RECEIVER_NS,
              args("tunnel-server", VethLink.RECEIVER_IP));
      String address = server.await("READY", Duration.ofSeconds(60));
      List<String> settings = List.of("P2P_IMPLEMENTATION=tunnel", "P2P_TUNNEL_SERVER=" + address);
      return providerRow("tunnel", "-", settings, settings, server, children);
    } finally {
      closeAll(children);
    }
  }

  /**
   * QUIC through a relay in the receiver's namespace, both sides relay-only ({@code
   * P2P_RELAY_ONLY=true}), plus the variant's settings: the relay path on a real link, where the
   * relay's TCP legs cross the veth pair as the tunnel's do.
   */
  Row relay(String name, List<String> variant) throws Exception {
    List<LabProcess> children = new ArrayList<>();
    try {
      LabProcess server =
          start(
              children,
              "relay-server",
              VethLink.RECEIVER_NS,
              args("relay-server", VethLink.RECEIVER_IP));
      String url = server.await("READY", Duration.ofSeconds(60));
      List<String> settings =
          new ArrayList<>(List.of("P2P_RELAY_SERVERS=" + url, "P2P_RELAY_ONLY=true"));
      settings.addAll(variant);
      return quicRow(name, settings, variant, server, children);
    } finally {
      closeAll(children);
    }
  }

  /** QUIC direct, each side bound to its namespace's address, plus the variant's settings. */
  Row quic(String name, List<String> variant) throws Exception {
    List<LabProcess> children = new ArrayList<>();
    try {
      return quicRow(name, variant, variant, null, children);
    } finally {
      closeAll(children);
    }
  }

  /** A QUIC pair, each side bound to its namespace's address, with {@code settings}. */
  private Row quicRow(
      String name,
      List<String> settings,
      List<String> variant,
      LabProcess server,
      List<LabProcess> children)
      throws Exception {
    Row row =
        providerRow(
            name,
            VethLink.RECEIVER_IP + ":0",
            quicSettings(VethLink.RECEIVER_IP, settings),
            quicSettings(VethLink.SENDER_IP, settings),
            server,
            children);
    return variant.isEmpty() ? row : row.withNote(String.join(" ", variant));
  }

  private static List<String> quicSettings(String bindIp, List<String> settings) {
    List<String> all =
        new ArrayList<>(List.of("P2P_IMPLEMENTATION=quic", "P2P_QUIC_BIND=" + bindIp + ":0"));
    all.addAll(settings);
    return all;
  }

  private Row providerRow(
      String name,
      String listen,
      List<String> recvSettings,
      List<String> sendSettings,
      LabProcess server,
      List<LabProcess> children)
      throws Exception {
    List<String> r = args("provider-recv", listen, plan.warmBytes, plan.volumeBytes);
    r.addAll(recvSettings);
    LabProcess receiver = start(children, name + "-recv", VethLink.RECEIVER_NS, r);
    String ticket = receiver.await("READY", Duration.ofSeconds(60));
    List<String> s =
        args(
            "provider-send", ticket, plan.warmBytes, plan.volumeBytes, plan.rttWarm, plan.rttCount);
    s.addAll(sendSettings);
    LabProcess sender = start(children, name + "-send", VethLink.SENDER_NS, s);
    return measure(name, receiver, sender, server);
  }

  private Row measure(String name, LabProcess receiver, LabProcess sender, LabProcess server)
      throws Exception {
    try {
      receiver.await("MARK start", Duration.ofSeconds(plan.timeoutSeconds));
      long[] cpu0 = {
        ProcessCpu.nanos(sender),
        ProcessCpu.nanos(receiver),
        server == null ? 0 : ProcessCpu.nanos(server)
      };
      long[] jit0 = {ProcessCpu.jitNanos(sender), ProcessCpu.jitNanos(receiver)};
      List<SyscallCount> traces = new ArrayList<>();
      if (plan.strace) {
        traces.add(SyscallCount.attach(sender, plan.logDir));
        traces.add(SyscallCount.attach(receiver, plan.logDir));
      }
      String[] end = receiver.await("MARK end", Duration.ofSeconds(plan.timeoutSeconds)).split(" ");
      long[] cpu1 = {
        ProcessCpu.nanos(sender),
        ProcessCpu.nanos(receiver),
        server == null ? 0 : ProcessCpu.nanos(server)
      };
      long[] jit1 = {ProcessCpu.jitNanos(sender), ProcessCpu.jitNanos(receiver)};
      long bytes = Long.parseLong(end[0]);
      for (SyscallCount t : traces) {
        System.out.println("  " + t.detach(bytes));
      }
      long nanos = Long.parseLong(end[1]);
      double gib = bytes / GIB;
      double rate = bytes / (nanos / 1e9) / 1e6;
      double p50 = Double.NaN;
      double p99 = Double.NaN;
      if (plan.rttCount > 0) {
        String[] rtt = sender.await("RTT", Duration.ofSeconds(plan.timeoutSeconds)).split(" ");
        p50 = Long.parseLong(rtt[1]) / 1e3;
        p99 = Long.parseLong(rtt[2]) / 1e3;
      }
      sender.await("DONE", Duration.ofSeconds(60));
      receiver.await("DONE", Duration.ofSeconds(60));
      Row row =
          new Row(
              name,
              rate,
              perGiB(cpu0[0], cpu1[0], gib),
              perGiB(cpu0[1], cpu1[1], gib),
              server == null ? Double.NaN : perGiB(cpu0[2], cpu1[2], gib),
              p50,
              p99,
              "");
      long peak = Long.parseLong(sender.unclaimed("PEAK").orElse(null));
      row = row.withNote(fmt("sender direct memory peak %d MiB", peak >> 20));
      // Java children only (iperf3 has no JIT): how much of the CPU columns was the compiler.
      row =
          row.withNote(
              fmt(
                  "of which JIT %.2f / %.2f s/GiB",
                  perGiB(jit0[0], jit1[0], gib), perGiB(jit0[1], jit1[1], gib)));
      for (LabProcess c : List.of(sender, receiver)) {
        String stats = c.unclaimed("STATS").orElse(null);
        if (stats != null) {
          System.out.println("  " + c.name() + " " + stats);
        }
      }
      return row;
    } catch (TimeoutException e) {
      System.err.println(e.getMessage());
      return Row.failed(name, "timed out: " + firstLine(e.getMessage()));
    } catch (java.io.IOException e) {
      System.err.println(e.getMessage());
      return Row.failed(name, "failed: " + firstLine(e.getMessage()));
    }
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse("");
  }

  private static double perGiB(long before, long after, double gib) {
    if (before < 0 || after < 0) {
      return Double.NaN;
    }
    return (after - before) / 1e9 / gib;
  }

  private LabProcess start(List<LabProcess> children, String name, String ns, List<String> args)
      throws java.io.IOException {
    List<String> command = new ArrayList<>(plan.java);
    command.add(LinkPeer.class.getName());
    command.addAll(args);
    LabProcess c = VethLink.exec(name, ns, command, plan.logDir);
    children.add(c);
    live.add(c);
    return c;
  }

  private void closeAll(List<LabProcess> children) {
    for (LabProcess c : children) {
      c.close();
      live.remove(c);
    }
  }

  private static List<String> args(String role, Object... values) {
    List<String> a = new ArrayList<>(List.of(role));
    for (Object v : values) {
      a.add(String.valueOf(v));
    }
    return a;
  }

  static String fmt(String format, Object... values) {
    return String.format(Locale.ROOT, format, values);
  }
}
