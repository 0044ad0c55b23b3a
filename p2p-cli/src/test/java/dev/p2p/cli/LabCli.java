package dev.p2p.cli;

import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.NatLab;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code p2p ...} as a child of a {@link NatLab}: the command line that runs it in a namespace, as
 * {@link CliProcess} runs it on loopback (this JVM's class path, {@code dev.p2p.cli.Main}), and
 * what it printed once it has ended.
 */
final class LabCli {
  /** No lab child outlives this, even if the test JVM is killed and nobody closes the lab. */
  static final Duration LIFETIME = Duration.ofMinutes(4);

  private LabCli() {}

  /**
   * {@code p2p args} with {@code env} set and the surrounding P2P_* settings removed (a developer's
   * must not leak in), bounded by coreutils {@code timeout} to {@link #LIFETIME}.
   */
  static List<String> command(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of("timeout", "-k", "5", LIFETIME.toSeconds() + "s"));
    cmd.add("env");
    for (String key : System.getenv().keySet()) {
      if (key.startsWith("P2P_") || key.startsWith("SIMULATOR_P2P")) {
        cmd.add("-u");
        cmd.add(key);
      }
    }
    env.forEach((k, v) -> cmd.add(k + "=" + v));
    List<String> java = NatLab.javaCommand(Main.class.getName(), List.of(args));
    cmd.add(java.get(0));
    cmd.add("-Xmx256m"); // the lab's 128m is for small probes; the last -Xmx wins
    cmd.addAll(java.subList(1, java.size()));
    return cmd;
  }

  /** Every stdout line of an ended process (including those earlier awaits read past). */
  static List<String> lines(LabProcess p) throws Exception {
    List<String> lines = new ArrayList<>();
    while (true) {
      try {
        lines.add(p.await("", Duration.ofSeconds(10)));
      } catch (IOException ended) {
        return lines;
      }
    }
  }

  /** Its standard error, from the lab's log (read before the lab is closed: close deletes it). */
  static String err(NatLab lab, String label) throws IOException {
    return Files.readString(lab.logDir().resolve(label + ".log"));
  }

  /** The lines starting with {@code path }, their prefix stripped. */
  static List<String> paths(List<String> lines) {
    return lines.stream()
        .filter(l -> l.startsWith("path "))
        .map(l -> l.substring(5).strip())
        .toList();
  }
}
