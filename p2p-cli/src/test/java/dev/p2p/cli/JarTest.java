package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar p2p.jar} as shipped (run by Maven after package, with {@code -Dp2p.jar}): every
 * provider and the relay load from the jar alone.
 */
@Timeout(120)
class JarTest {
  private static final Duration END = Duration.ofSeconds(60);

  @TempDir Path dir;

  private static Path jar() {
    String jar = System.getProperty("p2p.jar");
    Assumptions.assumeTrue(jar != null, "run by Maven after package (-Dp2p.jar=...)");
    Path p = Path.of(jar);
    assertTrue(Files.isRegularFile(p), "no " + p);
    return p;
  }

  private Process run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(jar().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("P2P_") || k.startsWith("SIMULATOR_P2P"));
    pb.redirectOutput(dir.resolve(args[0] + ".out").toFile());
    return pb.start();
  }

  private String finish(Process p, String name) throws Exception {
    if (!p.waitFor(END.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(name + " still running:\n" + output(name));
    }
    return output(name);
  }

  private String output(String name) throws Exception {
    return Files.readString(dir.resolve(name + ".out"));
  }

  @Test
  void theQuicDemoAndTheRelayRunFromTheJar() throws Exception {
    Process demo = run("demo", "--provider", "quic", "--messages", "3");
    Process relay = run("relay", "--port", "0", "--stun-port", "0", "--for", "1");
    String demoOut = finish(demo, "demo");
    assertEquals(0, demo.exitValue(), demoOut);
    assertTrue(demoOut.contains("echoed     3 messages"), demoOut);
    String relayOut = finish(relay, "relay");
    assertEquals(0, relay.exitValue(), relayOut);
    assertTrue(relayOut.contains("relay      stopped after 1 s"), relayOut);
  }
}
