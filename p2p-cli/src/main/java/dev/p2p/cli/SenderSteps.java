package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The steps both senders (file and stdin lines) take: offer, wait with a stall watch, judge the
 * verdict, close. Every wait is bounded; every failure becomes one {@link TransferFailedException}.
 */
final class SenderSteps {
  /** How long the receiver may take to answer an offer. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

  /** How long a transfer may make no progress at all before the sender gives up. */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

  /** How long the sender waits, once verified, for its close to reach the receiver. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private SenderSteps() {}

  /**
   * Sends the offer and waits for ACCEPT.
   *
   * @throws TransferFailedException if the receiver refused, went away or did not answer
   */
  static void offer(P2PConnection c, byte[] offer, String what) {
    Supplier<String> where = () -> "before the transfer started";
    await(c.send(offer), null, where);
    CompletableFuture<byte[]> answer = c.recv();
    byte[] m;
    try {
      m = answer.get(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(false);
      throw new TransferFailedException(
          "the peer did not answer the offer in "
              + ANSWER_TIMEOUT.toSeconds()
              + " s; is it a 'p2p listen' of the same release?");
    } catch (ExecutionException e) {
      throw failure(e.getCause(), where.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransferFailedException("interrupted " + where.get());
    }
    Wire.Msg msg;
    try {
      msg = Wire.decode(m);
    } catch (Wire.MalformedException e) {
      throw new TransferFailedException(
          "the peer does not speak the p2p transfer protocol (" + e.getMessage() + ")");
    }
    if (msg instanceof Wire.Refuse r) {
      throw new TransferFailedException("the receiver refused " + what + ": " + r.reason());
    }
    if (msg instanceof Wire.Abort a) {
      throw new TransferFailedException("the receiver refused " + what + ": " + a.reason());
    }
    if (!(msg instanceof Wire.Accept)) {
      throw new TransferFailedException(
          "the receiver answered the offer with " + Wire.typeName(msg) + " instead of ACCEPT");
    }
  }

  /**
   * Waits for a send to be accepted by the transport. Gives up when the reader (if any) has an
   * outcome, which can only be a failure before the END, or when nothing moved for {@link
   * #STALL_TIMEOUT}.
   *
   * @param where what was done so far, for the message ("after 3 of 10 bytes")
   */
  static void await(CompletableFuture<Void> send, ReplyReader reader, Supplier<String> where) {
    long start = System.nanoTime();
    for (; ; ) {
      try {
        send.get(200, TimeUnit.MILLISECONDS);
        return;
      } catch (TimeoutException e) {
        if (reader != null && reader.verdict().isDone()) {
          throw outcomeFailure(reader, where);
        }
        long heard = reader == null ? start : Math.max(start, reader.lastHeardNanos());
        if (System.nanoTime() - heard > STALL_TIMEOUT.toNanos()) {
          throw new TransferFailedException(
              "the receiver stopped reading: nothing moved for "
                  + STALL_TIMEOUT.toSeconds()
                  + " s "
                  + where.get());
        }
      } catch (ExecutionException e) {
        throw failure(e.getCause(), where.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransferFailedException("interrupted " + where.get());
      }
    }
  }

  /** Fails if the reader already knows the transfer failed (the receiver aborted, or vanished). */
  static void check(ReplyReader reader, Supplier<String> where) {
    if (reader.verdict().isDone()) {
      throw outcomeFailure(reader, where);
    }
  }

  /**
   * Waits for the receiver's verdict after the END, for as long as it keeps saying something
   * (progress, echoes) and at most {@link #STALL_TIMEOUT} of silence.
   */
  static Wire.Verdict verdict(ReplyReader reader, Supplier<String> where) {
    long start = System.nanoTime();
    for (; ; ) {
      try {
        return reader.verdict().get(200, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        long heard = Math.max(start, reader.lastHeardNanos());
        if (System.nanoTime() - heard > STALL_TIMEOUT.toNanos()) {
          throw new TransferFailedException(
              "the receiver did not confirm: silent for "
                  + STALL_TIMEOUT.toSeconds()
                  + " s "
                  + where.get());
        }
      } catch (ExecutionException e) {
        throw failure(e.getCause(), where.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new TransferFailedException("interrupted " + where.get());
      }
    }
  }

  /**
   * Checks that the receiver's verdict says what the sender sent.
   *
   * @param unit "bytes" or "lines", for the message
   */
  static void judge(Wire.Verdict v, long count, long bytes, byte[] sha256, String unit) {
    boolean same =
        v.count() == count && v.bytes() == bytes && java.util.Arrays.equals(v.sha256(), sha256);
    if (v.ok() && same) {
      return;
    }
    long shown = unit.equals("bytes") ? bytes : count;
    long got = unit.equals("bytes") ? v.bytes() : v.count();
    throw new TransferFailedException(
        "checksum mismatch: sent "
            + shown
            + " "
            + unit
            + " with sha256 "
            + hex(sha256)
            + ", the receiver got "
            + got
            + " "
            + unit
            + " with sha256 "
            + hex(v.sha256())
            + (v.ok() ? " (and called it fine)" : ""));
  }

  /**
   * Closes after a verified transfer and waits a bounded time for the close to be delivered. The
   * result is already certain (the receiver confirmed), so a close that fails changes nothing.
   */
  static void close(P2PConnection c) {
    c.close();
    try {
      c.closeFuture().get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // the receiver has confirmed; it stops waiting for our close on its own
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String hex(byte[] sha256) {
    return HexFormat.of().formatHex(sha256);
  }

  private static TransferFailedException outcomeFailure(
      ReplyReader reader, Supplier<String> where) {
    try {
      reader.verdict().getNow(null);
      return new TransferFailedException(
          "the receiver sent its verdict before the end, " + where.get());
    } catch (java.util.concurrent.CompletionException e) {
      return failure(e.getCause(), where.get());
    }
  }

  /** The one line for a failure: the receiver's own words, or "peer vanished" with the reason. */
  static TransferFailedException failure(Throwable cause, String where) {
    if (cause instanceof TransferFailedException t) {
      return t;
    }
    if (cause instanceof P2PException) {
      return new TransferFailedException(
          "peer vanished " + where + " (" + cause.getMessage() + ")");
    }
    if (cause instanceof RuntimeException r) {
      throw r; // a bug: CliErrorHandler reports it as one
    }
    throw new IllegalStateException(cause);
  }
}
