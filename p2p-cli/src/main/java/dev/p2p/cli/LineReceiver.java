package dev.p2p.cli;

import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Prints each line a sender offers on stdout, echoes it back, and at the END confirms the count and
 * digest of what it printed.
 */
final class LineReceiver {
  /** Echoes accepted by the transport but not yet completed, at most. */
  private static final int IN_FLIGHT = 64;

  private final Receiver r;

  LineReceiver(Receiver r) {
    this.r = r;
  }

  /** True when every line arrived and the sender's count and digest match. */
  boolean receive() {
    r.conn().send(Wire.accept());
    MessageDigest sha = Sha256.create();
    long lines = 0;
    long bytes = 0;
    ArrayDeque<CompletableFuture<Void>> echoes = new ArrayDeque<>();
    for (; ; ) {
      Wire.Msg msg;
      try {
        // An interactive sender may pause as long as it likes; a vanished one is ended by the
        // transport's idle timeout.
        msg = r.next(null);
      } catch (Receiver.CutException e) {
        r.report(
            "lines from " + r.peer() + " cut after " + lines + " lines (" + e.getMessage() + ")");
        return false;
      } catch (Wire.MalformedException e) {
        r.conn().send(Wire.abort("protocol error: " + e.getMessage()));
        r.report("lines from " + r.peer() + ": protocol error (" + e.getMessage() + ")");
        return false;
      }
      if (msg instanceof Wire.Line line) {
        synchronized (r.out) {
          r.out.println(line.text());
          r.out.flush();
        }
        Sha256.updateLine(sha, line.buffer(), line.offset(), line.length());
        lines++;
        bytes += line.length();
        echoes.add(r.conn().send(Wire.echo(line)));
        if (echoes.size() >= IN_FLIGHT && !settled(echoes.poll())) {
          r.report("lines from " + r.peer() + " cut after " + lines + " lines (echo not accepted)");
          return false;
        }
      } else if (msg instanceof Wire.End e) {
        byte[] digest = sha.digest();
        boolean ok = e.count() == lines && e.bytes() == bytes && Arrays.equals(e.sha256(), digest);
        r.conn().send(Wire.verdict(ok, lines, bytes, digest));
        if (!ok) {
          r.report(
              "lines from "
                  + r.peer()
                  + ": checksum mismatch: got "
                  + lines
                  + " lines, the sender"
                  + " sent "
                  + e.count());
        }
        return ok;
      } else if (msg instanceof Wire.Abort a) {
        r.report("the sender stopped after " + lines + " lines (" + a.reason() + ")");
        return false;
      } else {
        r.conn().send(Wire.abort("unexpected " + Wire.typeName(msg) + " during lines"));
        r.report("lines from " + r.peer() + ": unexpected " + Wire.typeName(msg));
        return false;
      }
    }
  }

  /** Waits a bounded time for an echo to be accepted; false if it failed or stalled. */
  private static boolean settled(CompletableFuture<Void> echo) {
    try {
      echo.get(Receiver.STALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
