package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the file-transfer process tests share, whichever pair of commands moves the file ({@code
 * listen --save}/{@code connect --file} or {@code send}/{@code receive}): the file, and what a
 * whole delivery looks like from outside both processes.
 */
final class TransferChecks {
  /** Short, so that a killed peer is noticed in seconds (both sides: QUIC takes the minimum). */
  static final Map<String, String> FAST_IDLE =
      Map.of("P2P_IDLE_TIMEOUT_MS", "3000", "P2P_KEEPALIVE_MS", "500");

  private TransferChecks() {}

  /**
   * Writes {@code size} bytes from {@code new Random(seed)} to {@code file}; returns its sha256.
   */
  static String randomFile(Path file, long size, long seed) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    Random random = new Random(seed);
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += block.length) {
        random.nextBytes(block);
        out.write(block);
        d.update(block);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /**
   * Both exit 0, {@code original} now stands byte-identical (and alone, no .part) in {@code
   * outDir}, and each side printed that and only that.
   */
  static void assertDelivered(
      CliProcess sender,
      CliProcess receiver,
      Path original,
      String sha,
      Path outDir,
      Duration timeout)
      throws Exception {
    long size = Files.size(original);
    assertEquals(0, receiver.exitCode(timeout), receiver.toString());
    assertEquals(0, sender.exitCode(timeout), sender.toString());
    assertTrue(
        sender.out().contains("delivered " + size + " bytes, sha256 " + sha + " verified\n"),
        sender.toString());
    Path saved = outDir.resolve(original.getFileName());
    assertEquals(size, Files.size(saved));
    assertArrayEquals(Files.readAllBytes(original), Files.readAllBytes(saved));
    assertEquals(List.of(saved), list(outDir), "no .part left behind");
    assertTrue(
        receiver.out().contains("saved      " + saved + " (" + size + " bytes, sha256 " + sha),
        receiver.toString());
    // Not a terminal: no bar, one summary line each at the end, nothing else on stderr.
    assertOneLine(sender.err(), "sent +" + size + " bytes in .*");
    assertOneLine(receiver.err(), "received +" + size + " bytes in .*");
  }

  /** Asserts {@code text} is exactly one line matching {@code regex}; returns it. */
  static String assertOneLine(String text, String regex) {
    List<String> lines = text.lines().toList();
    assertEquals(1, lines.size(), "expected one line, got:\n" + text);
    assertFalse(text.contains("\r"), "no carriage returns (no bar) off a terminal: " + text);
    assertTrue(lines.get(0).matches(regex), lines.get(0) + "\ndoes not match\n" + regex);
    return lines.get(0);
  }

  /** The size of {@code p}, 0 while it does not exist yet (polled while a transfer runs). */
  static long size(Path p) {
    try {
      return Files.exists(p) ? Files.size(p) : 0;
    } catch (IOException e) {
      return 0;
    }
  }

  private static List<Path> list(Path d) throws IOException {
    try (var s = Files.list(d)) {
      return s.toList();
    }
  }
}
