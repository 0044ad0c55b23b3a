package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces joined by a veth pair: the link every run of {@link LinkBenchmark}
 * measures. The addresses (198.18.0.0/15, the benchmarking range of RFC 2544) exist only inside the
 * two namespaces, so nothing reaches the host's own network.
 *
 * <p>Names start with {@value #PREFIX}; leftovers of an earlier run that died are deleted first.
 */
final class VethLink implements AutoCloseable {
  static final String PREFIX = "p2pmtu-";
  static final String SENDER_NS = PREFIX + "snd";
  static final String RECEIVER_NS = PREFIX + "rcv";
  static final String SENDER_IP = "198.18.13.1";
  static final String RECEIVER_IP = "198.18.13.2";
  private static final String SENDER_DEV = PREFIX + "vs";
  private static final String RECEIVER_DEV = PREFIX + "vr";

  private final int mtu;

  private VethLink(int mtu) {
    this.mtu = mtu;
  }

  int mtu() {
    return mtu;
  }

  /**
   * Starts {@code command} inside {@code namespace} ({@code ip netns exec} execs in place, so the
   * process id is the program's own); its error output goes to {@code logDir/name.log}.
   */
  static LabProcess exec(String name, String namespace, List<String> command, Path logDir)
      throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(command);
    return LabProcess.start(name, full, logDir.resolve(name + ".log"));
  }

  /**
   * Builds the link. With {@code lossPercent > 0} each namespace drops that share of the packets it
   * receives, at random (nftables {@code numgen}: this kernel has no {@code netem}), and the veth
   * ends segment and coalesce nothing (no GSO, TSO or GRO), so a drop is one wire packet and not a
   * 64 KiB super-packet.
   *
   * @throws LinkUnavailableException with the reason (not root, no {@code ip}, no namespaces)
   */
  static VethLink create(int mtu, double lossPercent) throws LinkUnavailableException {
    String user = System.getProperty("user.name");
    if (!"root".equals(user)) {
      throw new LinkUnavailableException(
          "needs root to create network namespaces (running as " + user + "); run with sudo");
    }
    deleteLeftovers();
    VethLink link = new VethLink(mtu);
    try {
      ip("netns", "add", SENDER_NS);
      ip("netns", "add", RECEIVER_NS);
      ip(
          "link",
          "add",
          SENDER_DEV,
          "netns",
          SENDER_NS,
          "type",
          "veth",
          "peer",
          "name",
          RECEIVER_DEV,
          "netns",
          RECEIVER_NS);
      configure(SENDER_NS, SENDER_DEV, SENDER_IP, mtu);
      configure(RECEIVER_NS, RECEIVER_DEV, RECEIVER_IP, mtu);
      if (lossPercent > 0) {
        randomLoss(SENDER_NS, SENDER_DEV, lossPercent);
        randomLoss(RECEIVER_NS, RECEIVER_DEV, lossPercent);
      }
    } catch (IOException | RuntimeException e) {
      link.close();
      throw new LinkUnavailableException("cannot build the veth link: " + e.getMessage());
    }
    return link;
  }

  private static void configure(String ns, String dev, String ip, int mtu) throws IOException {
    ip("-n", ns, "addr", "add", ip + "/24", "dev", dev);
    ip("-n", ns, "link", "set", dev, "mtu", Integer.toString(mtu), "up");
    ip("-n", ns, "link", "set", "lo", "up");
  }

  private static void randomLoss(String ns, String dev, double percent) throws IOException {
    run(
        List.of(
            "ip", "netns", "exec", ns, "ethtool", "-K", dev, "gso", "off", "tso", "off", "gro",
            "off"));
    long perHundredThousand = Math.round(percent * 1000);
    run(
        List.of(
            "ip",
            "netns",
            "exec",
            ns,
            "nft",
            "add table inet p2ploss; add chain inet p2ploss in { type filter hook input priority 0; };"
                + " add rule inet p2ploss in numgen random mod 100000 lt "
                + perHundredThousand
                + " drop"));
  }

  /** Deletes the namespaces (the veth pair goes with them). Safe to call twice. */
  @Override
  public void close() {
    deleteLeftovers();
  }

  private static void deleteLeftovers() {
    for (String ns : List.of(SENDER_NS, RECEIVER_NS)) {
      try {
        if (namespaces().contains(ns)) {
          ip("netns", "del", ns);
        }
      } catch (IOException e) {
        System.err.println("could not delete namespace " + ns + ": " + e.getMessage());
      }
    }
  }

  private static List<String> namespaces() throws IOException {
    List<String> names = new ArrayList<>();
    for (String line : run(List.of("ip", "netns", "list")).split("\n")) {
      if (!line.isBlank()) {
        names.add(line.strip().split("\\s+")[0]);
      }
    }
    return names;
  }

  private static void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add("ip");
    command.addAll(List.of(args));
    run(command);
  }

  /** Runs a short command; its output, or an exception carrying its error output. */
  static String run(List<String> command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " did not finish in 20 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + command, e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IOException(
          String.join(" ", command) + " exited with " + p.exitValue() + ": " + out.strip());
    }
    return out;
  }

  /** The link cannot be built here; the message says why. */
  static final class LinkUnavailableException extends Exception {
    LinkUnavailableException(String message) {
      super(message);
    }
  }
}
