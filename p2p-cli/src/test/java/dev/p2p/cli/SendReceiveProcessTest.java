package dev.p2p.cli;

import static dev.p2p.cli.TransferChecks.FAST_IDLE;
import static dev.p2p.cli.TransferChecks.assertDelivered;
import static dev.p2p.cli.TransferChecks.assertOneLine;
import static dev.p2p.cli.TransferChecks.size;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.tunnel.server.TunnelServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code p2p send FILE} and {@code p2p receive TICKET --out DIR} as two processes on loopback: the
 * waiting side sends, the dialling side saves, and both exit codes are true of what was saved.
 */
@Timeout(180)
class SendReceiveProcessTest {
  /**
   * Big enough that a kill after the first MiB lands mid-transfer: loopback QUIC does 200 MB/s+.
   */
  private static final long SIZE = 64L * 1024 * 1024;

  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration END = Duration.ofSeconds(90);

  @TempDir static Path shared;
  private static Path file;
  private static String sha;

  @TempDir Path dir;

  @BeforeAll
  static void randomFile() throws Exception {
    file = shared.resolve("photos.tar");
    sha = TransferChecks.randomFile(file, SIZE, 12);
  }

  /** The default provider (none named: the highest priority) and the one named explicitly. */
  @ParameterizedTest
  @ValueSource(strings = {"", "quic"})
  void aRandomFileArrivesByteIdenticalOverQuic(String provider) throws Exception {
    List<String> flag = provider.isEmpty() ? List.of() : List.of("--provider", provider);
    Path out = Files.createDirectory(dir.resolve("in"));
    try (CliProcess sender = sendOnLoopback(Map.of(), flag);
        CliProcess receiver = receive(Map.of(), flag, sender, out)) {
      assertDelivered(sender, receiver, file, sha, out, END);
      String direct = "(?m)^path +direct 127\\.0\\.0\\.1:\\d+$";
      assertTrue(Pattern.compile(direct).matcher(sender.out()).find(), sender.out());
      assertTrue(Pattern.compile(direct).matcher(receiver.out()).find(), receiver.out());
    }
  }

  /** The same commands over a relayed provider: the path says so, and names the server. */
  @Test
  void overATunnelServerThePathIsRelayedViaTheServer() throws Exception {
    try (TunnelServer server = TunnelServer.builder().port(0).start()) {
      Map<String, String> env = Map.of("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port());
      List<String> flag = List.of("--provider", "tunnel");
      Path out = Files.createDirectory(dir.resolve("in"));
      try (CliProcess sender = command(env, "send", flag, file.toString());
          CliProcess receiver = receive(env, flag, sender, out)) {
        assertDelivered(sender, receiver, file, sha, out, END);
        String relayed = "(?m)^path +relayed via tunnel://127\\.0\\.0\\.1:" + server.port() + "$";
        assertTrue(Pattern.compile(relayed).matcher(sender.out()).find(), sender.out());
        assertTrue(Pattern.compile(relayed).matcher(receiver.out()).find(), receiver.out());
      }
    }
  }

  @Test
  void aReceiverKilledMidTransferLeavesNoFileAndTheSenderExits1SayingHowFarItGot()
      throws Exception {
    Path out = Files.createDirectory(dir.resolve("in"));
    Path part = out.resolve("photos.tar.part");
    try (CliProcess sender = sendOnLoopback(FAST_IDLE, List.of());
        CliProcess receiver = receive(FAST_IDLE, List.of(), sender, out)) {
      CliProcess.await(() -> size(part) > 1 << 20, START, "1 MiB in " + part);
      receiver.kill();
      long killed = System.nanoTime();
      assertEquals(1, sender.exitCode(END), sender.toString());
      Duration noticed = Duration.ofNanos(System.nanoTime() - killed);
      assertTrue(noticed.compareTo(Duration.ofSeconds(20)) < 0, "noticed after " + noticed);
      String line =
          assertOneLine(sender.err(), "p2p: peer vanished after \\d+ of " + SIZE + " bytes .*");
      assertFalse(sender.out().contains("delivered"), sender.out());
      assertFalse(Files.exists(out.resolve("photos.tar")), "no final file: " + line);
      assertTrue(size(part) < SIZE, "cut short");
    }
  }

  @Test
  void aSenderKilledMidTransferIsReportedByTheReceiverWhichKeepsOnlyThePart() throws Exception {
    Path out = Files.createDirectory(dir.resolve("in"));
    Path part = out.resolve("photos.tar.part");
    try (CliProcess sender = sendOnLoopback(FAST_IDLE, List.of());
        CliProcess receiver = receive(FAST_IDLE, List.of(), sender, out)) {
      CliProcess.await(() -> size(part) > 1 << 20, START, "1 MiB in " + part);
      sender.kill();
      assertEquals(1, receiver.exitCode(END), receiver.toString());
      assertOneLine(
          receiver.err(),
          "p2p: photos\\.tar from \\S+ cut after \\d+ of "
              + SIZE
              + " bytes \\(.*\\); kept "
              + Pattern.quote(part.toString()));
      assertFalse(Files.exists(out.resolve("photos.tar")), "never renamed");
    }
  }

  @Test
  void aFileThatExistsAtTheReceiverIsNotOverwrittenAndBothExit1() throws Exception {
    Path out = Files.createDirectory(dir.resolve("in"));
    Files.writeString(out.resolve("photos.tar"), "mine");
    try (CliProcess sender = sendOnLoopback(Map.of(), List.of());
        CliProcess receiver = receive(Map.of(), List.of(), sender, out)) {
      assertEquals(1, sender.exitCode(END), sender.toString());
      assertEquals(1, receiver.exitCode(END), receiver.toString());
      assertOneLine(
          sender.err(), "p2p: the receiver refused photos\\.tar: photos\\.tar already exists.*");
      assertEquals("mine", Files.readString(out.resolve("photos.tar")));
    }
  }

  /** {@code p2p send FILE}, listening on loopback. */
  private static CliProcess sendOnLoopback(Map<String, String> env, List<String> flags)
      throws IOException {
    return command(env, "send", flags, file.toString(), "--addr", "127.0.0.1:0");
  }

  /** {@code p2p receive} of what {@code sender} offers, into {@code out}. */
  private static CliProcess receive(
      Map<String, String> env, List<String> flags, CliProcess sender, Path out)
      throws IOException, InterruptedException {
    return command(env, "receive", flags, sender.awaitTicket(START), "--out", out.toString());
  }

  private static CliProcess command(
      Map<String, String> env, String command, List<String> flags, String... args)
      throws IOException {
    List<String> all = new ArrayList<>();
    all.add(command);
    all.addAll(flags);
    all.addAll(List.of(args));
    return CliProcess.start(env, all.toArray(String[]::new));
  }
}
