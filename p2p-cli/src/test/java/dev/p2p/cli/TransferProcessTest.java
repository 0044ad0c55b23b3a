package dev.p2p.cli;

import static dev.p2p.cli.TransferChecks.FAST_IDLE;
import static dev.p2p.cli.TransferChecks.assertDelivered;
import static dev.p2p.cli.TransferChecks.assertOneLine;
import static dev.p2p.cli.TransferChecks.size;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p2p listen --save} and {@code p2p connect --file} as two processes on QUIC over loopback:
 * what the sender prints and its exit code are true of what the receiver saved.
 */
@Timeout(180)
class TransferProcessTest {
  private static final long SIZE = 50L * 1024 * 1024;
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration END = Duration.ofSeconds(90);

  @TempDir static Path shared;
  private static Path big;
  private static String bigSha;

  @TempDir Path dir;

  @BeforeAll
  static void randomFile() throws Exception {
    big = shared.resolve("big.bin");
    bigSha = TransferChecks.randomFile(big, SIZE, 10);
  }

  @Test
  void aFiftyMegabyteFileArrivesByteIdenticalAndTheSenderSaysSoOnlyThen() throws Exception {
    Path save = Files.createDirectory(dir.resolve("save"));
    try (CliProcess listener =
            CliProcess.start(
                "listen", "--addr", "127.0.0.1:0", "--save", save.toString(), "--once");
        CliProcess sender =
            CliProcess.start("connect", "--file", big.toString(), listener.awaitTicket(START))) {
      assertDelivered(sender, listener, big, bigSha, save, END);
    }
  }

  @Test
  void aReceiverKilledMidTransferMakesTheSenderExit1SayingHowFarItGot() throws Exception {
    Path save = Files.createDirectory(dir.resolve("save"));
    Path part = save.resolve("big.bin.part");
    try (CliProcess listener =
            CliProcess.start(
                FAST_IDLE, "listen", "--addr", "127.0.0.1:0", "--save", save.toString(), "--once");
        CliProcess sender =
            CliProcess.start(
                FAST_IDLE, "connect", "--file", big.toString(), listener.awaitTicket(START))) {
      CliProcess.await(() -> size(part) > 2 << 20, START, "2 MiB in " + part);
      listener.kill();
      assertEquals(1, sender.exitCode(END), sender.toString());
      String line =
          assertOneLine(sender.err(), "p2p: peer vanished after \\d+ of " + SIZE + " bytes .*");
      long confirmed = number("after (\\d+) of", line);
      assertTrue(confirmed < SIZE, line);
      assertTrue(confirmed <= size(part), "the sender claims no more than the receiver wrote");
      assertFalse(sender.out().contains("delivered"), sender.out());
      assertTrue(Files.exists(part), "the .part is kept");
      assertFalse(Files.exists(save.resolve("big.bin")), "never renamed");
    }
  }

  @Test
  void aSenderKilledMidTransferIsReportedByTheReceiverWhichKeepsThePart() throws Exception {
    Path save = Files.createDirectory(dir.resolve("save"));
    Path part = save.resolve("big.bin.part");
    try (CliProcess listener =
            CliProcess.start(
                FAST_IDLE, "listen", "--addr", "127.0.0.1:0", "--save", save.toString(), "--once");
        CliProcess sender =
            CliProcess.start(
                FAST_IDLE, "connect", "--file", big.toString(), listener.awaitTicket(START))) {
      CliProcess.await(() -> size(part) > 2 << 20, START, "2 MiB in " + part);
      sender.kill();
      assertEquals(1, listener.exitCode(END), listener.toString());
      assertOneLine(
          listener.err(),
          "p2p: big\\.bin from \\S+ cut after \\d+ of "
              + SIZE
              + " bytes \\(.*\\); kept "
              + Pattern.quote(part.toString()));
      assertTrue(size(part) < SIZE);
      assertFalse(Files.exists(save.resolve("big.bin")), "never renamed");
    }
  }

  @Test
  void stdinLinesArePrintedEchoedAndConfirmed() throws Exception {
    try (CliProcess listener = CliProcess.start("listen", "--addr", "127.0.0.1:0", "--once");
        CliProcess sender = CliProcess.start("connect", listener.awaitTicket(START))) {
      sender.stdin("hello\n\nwörld\n");
      assertEquals(0, sender.exitCode(END), sender.toString());
      assertEquals(0, listener.exitCode(END), listener.toString());
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String l : List.of("hello", "", "wörld")) {
        byte[] b = l.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Sha256.updateLine(sha, b, 0, b.length);
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      assertTrue(
          sender.out().contains("delivered 3 lines, sha256 " + hex + " verified\n"), sender.out());
      assertTrue(
          sender.out().contains("echo       hello\necho       \necho       wörld\n"), sender.out());
      assertTrue(listener.out().contains("\nhello\n\nwörld\n"), listener.out());
      String direct = "(?m)^path +direct 127\\.0\\.0\\.1:\\d+$";
      assertTrue(Pattern.compile(direct).matcher(sender.out()).find(), sender.out());
      assertTrue(Pattern.compile(direct).matcher(listener.out()).find(), listener.out());
      assertEquals("", sender.err());
    }
  }

  @Test
  void aFileToAListenerWithoutSaveIsRefusedOnBothSides() throws Exception {
    try (CliProcess listener = CliProcess.start("listen", "--addr", "127.0.0.1:0", "--once");
        CliProcess sender =
            CliProcess.start("connect", "--file", big.toString(), listener.awaitTicket(START))) {
      assertEquals(1, sender.exitCode(END), sender.toString());
      assertEquals(1, listener.exitCode(END), listener.toString());
      assertOneLine(sender.err(), "p2p: the receiver refused big\\.bin: .*--save DIR.*");
      assertOneLine(listener.err(), "p2p: refused a file from .*");
    }
  }

  @Test
  void aFileThatExistsAtTheReceiverIsNotOverwritten() throws Exception {
    Path save = Files.createDirectory(dir.resolve("save"));
    Files.writeString(save.resolve("big.bin"), "mine");
    try (CliProcess listener =
            CliProcess.start(
                "listen", "--addr", "127.0.0.1:0", "--save", save.toString(), "--once");
        CliProcess sender =
            CliProcess.start("connect", "--file", big.toString(), listener.awaitTicket(START))) {
      assertEquals(1, sender.exitCode(END), sender.toString());
      assertOneLine(
          sender.err(), "p2p: the receiver refused big\\.bin: big\\.bin already exists.*");
      assertEquals("mine", Files.readString(save.resolve("big.bin")));
      assertEquals(1, listener.exitCode(END), listener.toString());
    }
  }

  private static long number(String regex, String line) {
    Matcher m = Pattern.compile(regex).matcher(line);
    assertTrue(m.find(), line);
    return Long.parseLong(m.group(1));
  }
}
