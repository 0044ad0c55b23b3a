package dev.p2p.testkit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kernel NAT lab: network namespaces joined by veth pairs (MTU 1500) into a public segment with a
 * relay, and per side a router (nftables masquerade, or plain routing) with a host behind it.
 *
 * <pre>
 *   relay ns  eth0 198.18.0.10, .11, ... /24 ─┐
 *                                             ├─ br0 (bridge in the "wan" ns): public 198.18.0.0/24
 *   router i  wan  198.18.0.(20+i)/24 ───────┘
 *             lan  198.19.i.1/24 ── host i  eth0 198.19.i.2/24, default via 198.19.i.1
 * </pre>
 *
 * A host behind a {@link NatKind#NONE} router is routed publicly (every other public namespace has
 * a route to its /24), as a host with a public address is; NATed hosts' networks are not. Only
 * 198.18.0.0/15 (RFC 2544's benchmarking range) is used, inside namespaces this lab creates.
 *
 * <p>Names are {@code p2pnat-<pid>.<start>-<n>-<role>}: {@link #create} first deletes the
 * namespaces of lab processes that no longer run (a run that was killed), never those of a live
 * one. {@link #close} (and a shutdown hook, should a test forget) ends the lab's processes and
 * deletes every namespace, veth pairs and rules with them.
 */
public final class NatLab implements AutoCloseable {
  public static final String PREFIX = "p2pnat-";
  public static final int MTU = 1500;
  public static final int MAX_SIDES = 50;
  public static final int MAX_RELAY_ADDRESSES = 10;

  /** The device names inside the namespaces (unique per namespace, so fixed). */
  public static final String WAN_DEVICE = "wan";

  private static final Logger log = LoggerFactory.getLogger(NatLab.class);
  private static final String OWNER = ownerTag();
  private static final AtomicInteger LABS = new AtomicInteger();
  private static final Set<String> LIVE = ConcurrentHashMap.newKeySet();
  private static volatile Optional<String> unavailable;

  private final String name;
  private final String ip;
  private final String nft;
  private final List<String> namespaces = new ArrayList<>();
  private final List<InetAddress> relayAddresses = new ArrayList<>();
  private final List<LabSide> sides = new ArrayList<>();
  private final List<LabProcess> processes = new CopyOnWriteArrayList<>();
  private final Path logDir;
  private final Thread shutdownHook;
  private boolean closed;

  private NatLab(String name, String ip, String nft, Path logDir) {
    this.name = name;
    this.ip = ip;
    this.nft = nft;
    this.logDir = logDir;
    this.shutdownHook = new Thread(this::deleteNamespaces, name + "shutdown");
  }

  /**
   * Why the lab cannot run here (not Linux, not root, no {@code ip} or {@code nft}, namespaces,
   * veth, bridges or nf_tables not available), or empty if it can. Checked once, by trying.
   */
  public static Optional<String> unavailableReason() {
    Optional<String> u = unavailable;
    if (u == null) {
      u = LabProbe.check(OWNER + "-probe");
      unavailable = u;
    }
    return u;
  }

  /**
   * Builds a lab with {@code relayAddressCount} addresses on the relay namespace and one side per
   * kind given (side i is {@code sides.get(i-1)}).
   *
   * @throws LabUnavailableException if {@link #unavailableReason} says it cannot run here
   * @throws IOException if building fails (a bug or a broken machine); nothing is left behind
   */
  public static NatLab create(int relayAddressCount, List<NatKind> sideKinds)
      throws LabUnavailableException, IOException {
    Optional<String> reason = unavailableReason();
    if (reason.isPresent()) {
      throw new LabUnavailableException(reason.get());
    }
    if (relayAddressCount < 1 || relayAddressCount > MAX_RELAY_ADDRESSES) {
      throw new IllegalArgumentException(
          "relayAddressCount must be 1.." + MAX_RELAY_ADDRESSES + ": " + relayAddressCount);
    }
    if (sideKinds.size() > MAX_SIDES) {
      throw new IllegalArgumentException("at most " + MAX_SIDES + " sides: " + sideKinds.size());
    }
    String ip = LabShell.find("ip").orElseThrow();
    String nft = LabShell.find("nft").orElseThrow();
    deleteLeftovers(ip);
    String name = OWNER + "-" + LABS.incrementAndGet() + "-";
    NatLab lab = new NatLab(name, ip, nft, Files.createTempDirectory(name + "logs"));
    LIVE.add(name);
    Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
    try {
      lab.build(relayAddressCount, sideKinds);
    } catch (IOException | RuntimeException e) {
      lab.close();
      throw e;
    }
    log.info("NAT lab {} up: relay {}, sides {}", name, lab.relayAddresses, sideKinds);
    return lab;
  }

  private void build(int relayAddressCount, List<NatKind> kinds) throws IOException {
    String wan = namespace("wan");
    ip("-n", wan, "link", "add", "name", "br0", "type", "bridge");
    ip("-n", wan, "link", "set", "br0", "mtu", Integer.toString(MTU), "up");

    String relay = namespace("relay");
    veth(relay, "eth0", wan, "v-relay");
    ip("-n", wan, "link", "set", "v-relay", "master", "br0");
    for (int i = 0; i < relayAddressCount; i++) {
      InetAddress a = addr("198.18.0." + (10 + i));
      relayAddresses.add(a);
      ip("-n", relay, "addr", "add", a.getHostAddress() + "/24", "dev", "eth0");
    }

    for (int i = 1; i <= kinds.size(); i++) {
      NatKind kind = kinds.get(i - 1);
      String router = namespace("r" + i);
      String host = namespace("h" + i);
      InetAddress pub = addr("198.18.0." + (20 + i));
      InetAddress gw = addr("198.19." + i + ".1");
      InetAddress hostAddr = addr("198.19." + i + ".2");
      veth(router, WAN_DEVICE, wan, "v-r" + i);
      ip("-n", wan, "link", "set", "v-r" + i, "master", "br0");
      ip("-n", router, "addr", "add", pub.getHostAddress() + "/24", "dev", WAN_DEVICE);
      veth(router, "lan", host, "eth0");
      ip("-n", router, "addr", "add", gw.getHostAddress() + "/24", "dev", "lan");
      ip("-n", host, "addr", "add", hostAddr.getHostAddress() + "/24", "dev", "eth0");
      ip("-n", host, "route", "add", "default", "via", gw.getHostAddress());
      LabShell.run(
          List.of(
              ip, "netns", "exec", router, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"));
      String rules = kind.ruleset(WAN_DEVICE);
      if (rules != null) {
        LabShell.run(List.of(ip, "netns", "exec", router, nft, "-f", "-"), rules);
      }
      sides.add(new LabSide(i, host, hostAddr, router, pub, kind));
    }
    // Publicly routed host networks: reachable from the relay and from every other router.
    for (LabSide open : sides) {
      if (open.kind() != NatKind.NONE) {
        continue;
      }
      String net = "198.19." + open.index() + ".0/24";
      String via = open.routerPublicAddress().getHostAddress();
      ip("-n", relay, "route", "add", net, "via", via);
      for (LabSide other : sides) {
        if (other != open) {
          ip("-n", other.routerNamespace(), "route", "add", net, "via", via);
        }
      }
    }
  }

  /** Creates {@code name + role}, with its loopback up, and remembers it for teardown. */
  private String namespace(String role) throws IOException {
    String ns = name + role;
    ip("netns", "add", ns);
    namespaces.add(ns);
    ip("-n", ns, "link", "set", "lo", "up");
    return ns;
  }

  private void veth(String nsA, String devA, String nsB, String devB) throws IOException {
    ip(
        "link", "add", "name", devA, "netns", nsA, "type", "veth", "peer", "name", devB, "netns",
        nsB);
    ip("-n", nsA, "link", "set", devA, "mtu", Integer.toString(MTU), "up");
    ip("-n", nsB, "link", "set", devB, "mtu", Integer.toString(MTU), "up");
  }

  private void ip(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ip);
    command.addAll(List.of(args));
    LabShell.run(command);
  }

  private static InetAddress addr(String literal) {
    try {
      return InetAddress.getByName(literal); // a literal: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }

  public String relayNamespace() {
    return name + "relay";
  }

  /** The relay namespace's addresses, 198.18.0.10 upward. */
  public List<InetAddress> relayAddresses() {
    return Collections.unmodifiableList(relayAddresses);
  }

  /** Sides in the order given to {@link #create}. */
  public List<LabSide> sides() {
    return Collections.unmodifiableList(sides);
  }

  /** Where the processes' error logs go (deleted by close). */
  public Path logDir() {
    return logDir;
  }

  /** Every namespace of this lab, in creation order. */
  public List<String> namespaces() {
    return Collections.unmodifiableList(namespaces);
  }

  /**
   * Starts {@code command} inside {@code namespace}; {@link #close} ends it if the caller does not.
   * Its error output goes to {@code logDir()/label.log}, quoted by {@link LabProcess#logTail}.
   */
  public LabProcess exec(String namespace, String label, List<String> command) throws IOException {
    if (!namespaces.contains(namespace)) {
      throw new IllegalArgumentException(namespace + " is not a namespace of this lab");
    }
    List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
    full.addAll(command);
    LabProcess lp = LabProcess.start(label, full, logDir.resolve(label + ".log"));
    processes.add(lp);
    return lp;
  }

  /** Runs a short command in {@code namespace} and returns its output (e.g. nft list ruleset). */
  public String run(String namespace, List<String> command) throws IOException {
    List<String> full = new ArrayList<>(List.of(ip, "netns", "exec", namespace));
    full.addAll(command);
    return LabShell.run(full);
  }

  /**
   * A command starting {@code mainClass} in a JVM like this one, on this JVM's class path (the test
   * class path under Surefire), tuned to start fast.
   */
  public static List<String> javaCommand(String mainClass, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of("-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass);
    command.addAll(args);
    return command;
  }

  /** Ends the lab's processes and deletes its namespaces. Safe to call twice. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (LabProcess p : processes) {
      p.close();
    }
    deleteNamespaces();
    deleteLogs();
    LIVE.remove(name);
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook runs anyway
    }
  }

  private void deleteNamespaces() {
    for (int i = namespaces.size() - 1; i >= 0; i--) {
      try {
        LabShell.run(List.of(ip, "netns", "del", namespaces.get(i)));
      } catch (IOException e) {
        log.warn("could not delete lab namespace {}: {}", namespaces.get(i), e.getMessage());
      }
    }
  }

  /** Failures quote the logs' tails in their messages, so the files need not outlive the lab. */
  private void deleteLogs() {
    deleteTree(logDir);
  }

  private static void deleteTree(Path dir) {
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      log.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  /** Deletes namespaces (and log directories) of lab JVMs that are gone; a live lab's stay. */
  private static void deleteLeftovers(String ip) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    try (var dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      for (Path d : dirs) {
        if (Files.isDirectory(d) && LabProbe.ownerIsGone(d.getFileName().toString(), OWNER, LIVE)) {
          deleteTree(d);
        }
      }
    }
    for (String line : LabShell.run(List.of(ip, "netns", "list")).split("\n")) {
      String ns = line.strip().split("\\s+")[0];
      if (!ns.startsWith(PREFIX) || !LabProbe.ownerIsGone(ns, OWNER, LIVE)) {
        continue;
      }
      log.info("deleting {}, left by a lab run that no longer exists", ns);
      try {
        LabShell.run(List.of(ip, "netns", "del", ns));
      } catch (IOException e) {
        log.warn("could not delete leftover namespace {}: {}", ns, e.getMessage());
      }
    }
  }

  /** {@code p2pnat-<pid>.<start time in seconds, base 36>}: tells a dead owner from a live one. */
  private static String ownerTag() {
    ProcessHandle me = ProcessHandle.current();
    return PREFIX + me.pid() + "." + LabProbe.startTag(me);
  }
}
