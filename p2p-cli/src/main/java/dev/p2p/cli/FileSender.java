package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Sends one file and returns only once the receiver has written it, checked its length and SHA-256
 * and said so: the transport accepting the last chunk proves nothing about what was saved.
 */
final class FileSender {
  /** Payload bytes per DATA message. */
  static final int CHUNK = 64 * 1024;

  /** Sends accepted by the transport but not yet completed, at most. */
  private static final int IN_FLIGHT = 64;

  private FileSender() {}

  /** What was delivered: the size and digest the receiver confirmed. */
  record Delivered(long bytes, byte[] sha256) {
    /** {@code 123 bytes, sha256 HEX}. */
    String describe() {
      return bytes + " bytes, sha256 " + SenderSteps.hex(sha256);
    }
  }

  /** Sends with a progress bar on a terminal (showing the path), else a summary line on err. */
  static Delivered send(P2PConnection c, Path file, PrintWriter err) {
    try (Progress progress = Progress.create("sending", "sent", size(file), err, c)) {
      return send(c, file, progress);
    }
  }

  /**
   * @throws TransferFailedException with the one line to show, when the file was not delivered
   */
  static Delivered send(P2PConnection c, Path file, Progress progress) {
    String name = file.getFileName().toString();
    long total = size(file);
    SenderSteps.offer(c, Wire.offerFile(name, total), name);
    try (ReplyReader reader = new ReplyReader(c, progress::update, line -> {}).start();
        InputStream in = open(file)) {
      MessageDigest sha = Sha256.create();
      long sent = 0;
      long chunks = 0;
      ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
      Supplier<String> where = () -> "after " + reader.confirmed() + " of " + total + " bytes";
      for (; ; ) {
        // A fresh array per chunk: the transport owns it until its send completes.
        byte[] m = Wire.dataBuffer(CHUNK);
        int n = read(in, m, file);
        if (n == 0) {
          break;
        }
        if (n < CHUNK) {
          m = Arrays.copyOf(m, Wire.PAYLOAD + n);
        }
        sha.update(m, Wire.PAYLOAD, n);
        SenderSteps.check(reader, where);
        inFlight.add(c.send(m));
        if (inFlight.size() >= IN_FLIGHT) {
          SenderSteps.await(inFlight.poll(), reader, where);
        }
        sent += n;
        chunks++;
      }
      for (CompletableFuture<Void> f : inFlight) {
        SenderSteps.await(f, reader, where);
      }
      if (sent != total) {
        c.send(Wire.abort(name + " changed while it was sent"));
        throw new TransferFailedException(
            file
                + " changed while it was sent: it had "
                + total
                + " bytes, "
                + sent
                + " were read");
      }
      byte[] digest = sha.digest();
      SenderSteps.await(c.send(Wire.end(chunks, sent, digest)), reader, where);
      Wire.Verdict v = SenderSteps.verdict(reader, where);
      SenderSteps.judge(v, chunks, sent, digest, "bytes");
      progress.finish(sent);
      SenderSteps.close(c);
      return new Delivered(sent, digest);
    } catch (IOException e) {
      throw new TransferFailedException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new TransferFailedException("cannot read " + file + ": " + e);
    }
  }

  private static InputStream open(Path file) {
    try {
      return Files.newInputStream(file);
    } catch (IOException e) {
      throw new TransferFailedException("cannot read " + file + ": " + e);
    }
  }

  private static int read(InputStream in, byte[] m, Path file) {
    try {
      return in.readNBytes(m, Wire.PAYLOAD, CHUNK);
    } catch (IOException e) {
      throw new TransferFailedException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
