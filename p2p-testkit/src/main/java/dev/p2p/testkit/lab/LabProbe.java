package dev.p2p.testkit.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Whether the lab can run here, and whose namespaces are leftovers. */
final class LabProbe {
  private LabProbe() {}

  static Optional<String> check(String probeNamespace) {
    if (!System.getProperty("os.name", "").startsWith("Linux")) {
      return Optional.of(
          "the NAT lab needs Linux network namespaces (this is "
              + System.getProperty("os.name")
              + ")");
    }
    Optional<String> ip = LabShell.find("ip");
    if (ip.isEmpty()) {
      return Optional.of("no `ip` command: apt-get install iproute2");
    }
    if (LabShell.find("nft").isEmpty()) {
      return Optional.of("no `nft` command: apt-get install nftables");
    }
    long uid = uid();
    if (uid != 0) {
      return Optional.of(
          "the NAT lab needs root to create network namespaces (uid "
              + uid
              + "); run as root, as CI does");
    }
    String i = ip.get();
    try {
      LabShell.run(List.of(i, "netns", "add", probeNamespace));
    } catch (IOException e) {
      return Optional.of("cannot create a network namespace: " + e.getMessage());
    }
    try {
      LabShell.run(
          List.of(i, "-n", probeNamespace, "link", "add", "name", "probebr", "type", "bridge"));
      LabShell.run(
          List.of(
              i,
              "-n",
              probeNamespace,
              "link",
              "add",
              "name",
              "probev0",
              "type",
              "veth",
              "peer",
              "name",
              "probev1"));
      LabShell.run(
          List.of(
              i, "netns", "exec", probeNamespace, LabShell.find("nft").get(), "list", "ruleset"));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(
          "namespaces work but bridges, veth or nf_tables do not: " + e.getMessage());
    } finally {
      try {
        LabShell.run(List.of(i, "netns", "del", probeNamespace));
      } catch (IOException e) {
        // deleteLeftovers of a later run takes it
      }
    }
  }

  private static long uid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.substring(4).strip().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // unknown: report as not root
    }
    return -1;
  }

  static String startTag(ProcessHandle p) {
    return p.info().startInstant().map(t -> Long.toString(t.getEpochSecond(), 36)).orElse("0");
  }

  /**
   * Whether {@code namespace} ({@code p2pnat-<pid>.<start>-...}) belongs to a process that is gone
   * (or to this one but to no live lab). Names that do not parse are not ours to delete.
   */
  static boolean ownerIsGone(String namespace, String self, Set<String> liveLabs) {
    if (namespace.startsWith(self + "-")) {
      return liveLabs.stream().noneMatch(namespace::startsWith);
    }
    String rest = namespace.substring(NatLab.PREFIX.length());
    int dot = rest.indexOf('.');
    int dash = rest.indexOf('-');
    if (dot <= 0 || dash <= dot) {
      return false;
    }
    long pid;
    try {
      pid = Long.parseLong(rest.substring(0, dot));
    } catch (NumberFormatException e) {
      return false;
    }
    String start = rest.substring(dot + 1, dash);
    return ProcessHandle.of(pid).map(p -> !startTag(p).equals(start)).orElse(true);
  }
}
