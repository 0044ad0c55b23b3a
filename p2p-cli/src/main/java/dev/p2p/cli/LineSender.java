package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Sends stdin lines, prints their echoes as they come back, and returns only once the receiver has
 * confirmed the count and digest of every line.
 */
final class LineSender {
  private static final int IN_FLIGHT = 64;

  private LineSender() {}

  /** What was delivered: the number of lines and their digest. */
  record Delivered(long lines, long bytes, byte[] sha256) {
    /** {@code 3 lines, sha256 HEX}. */
    String describe() {
      return lines + " lines, sha256 " + SenderSteps.hex(sha256);
    }
  }

  /**
   * @throws TransferFailedException with the one line to show, when not every line was confirmed
   */
  static Delivered send(P2PConnection c, BufferedReader in, PrintWriter out) {
    SenderSteps.offer(c, Wire.offerLines(), "the lines");
    AtomicLong echoed = new AtomicLong();
    try (ReplyReader reader =
        new ReplyReader(
                c,
                bytes -> {},
                line -> {
                  echoed.incrementAndGet();
                  synchronized (out) {
                    out.printf("echo       %s%n", line.text());
                    out.flush();
                  }
                })
            .start()) {
      MessageDigest sha = Sha256.create();
      long lines = 0;
      long bytes = 0;
      ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
      long[] sentSoFar = {0};
      Supplier<String> where =
          () -> "after " + echoed.get() + " of " + sentSoFar[0] + " lines were echoed";
      String text;
      while ((text = readLine(in)) != null) {
        byte[] t = text.getBytes(StandardCharsets.UTF_8);
        Sha256.updateLine(sha, t, 0, t.length);
        SenderSteps.check(reader, where);
        inFlight.add(c.send(Wire.line(t)));
        lines++;
        bytes += t.length;
        sentSoFar[0] = lines;
        if (inFlight.size() >= IN_FLIGHT) {
          SenderSteps.await(inFlight.poll(), reader, where);
        }
      }
      for (CompletableFuture<Void> f : inFlight) {
        SenderSteps.await(f, reader, where);
      }
      byte[] digest = sha.digest();
      SenderSteps.await(c.send(Wire.end(lines, bytes, digest)), reader, where);
      Wire.Verdict v = SenderSteps.verdict(reader, where);
      SenderSteps.judge(v, lines, bytes, digest, "lines");
      SenderSteps.close(c);
      return new Delivered(lines, bytes, digest);
    }
  }

  private static String readLine(BufferedReader in) {
    try {
      return in.readLine();
    } catch (IOException e) {
      throw new TransferFailedException("cannot read stdin: " + e.getMessage());
    }
  }
}
