package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Serves one incoming connection of {@code p2p listen}: reads the offer, receives a file or lines,
 * answers with a verdict, then waits for the sender to close (it closes once it has the verdict, so
 * the verdict is never cut by our own close). Nothing the peer sends can crash the listener: every
 * problem ends this connection with one line on stderr.
 */
final class Receiver {
  /** How long a connected peer may take to send its offer. */
  static final Duration OFFER_TIMEOUT = Duration.ofSeconds(30);

  /** How long a file sender may send nothing before the transfer is given up. */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

  /** How long to wait, after the verdict, for the sender to close. */
  static final Duration SENDER_CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final P2PConnection conn;
  private final Path saveDir;
  final PrintWriter out;
  final PrintWriter err;
  private boolean takesLines = true;

  /**
   * @param saveDir where files go, or null to refuse files (lines only)
   */
  Receiver(P2PConnection conn, Path saveDir, PrintWriter out, PrintWriter err) {
    this.conn = conn;
    this.saveDir = saveDir;
    this.out = out;
    this.err = err;
  }

  /** Refuses stdin lines: for {@code p2p receive}, which fetches a file. */
  Receiver filesOnly() {
    takesLines = false;
    return this;
  }

  /** The connection ended before the transfer did; the message says how. */
  static final class CutException extends Exception {
    private static final long serialVersionUID = 1L;

    CutException(String message) {
      super(message);
    }
  }

  /** Serves the connection to its end; true when a transfer was delivered and verified. */
  boolean serve() {
    try {
      Wire.Msg first;
      try {
        first = next(OFFER_TIMEOUT);
      } catch (CutException e) {
        report("no transfer: " + e.getMessage());
        return false;
      } catch (Wire.MalformedException e) {
        conn.send(Wire.abort("expected an offer: " + e.getMessage()));
        report(
            "no transfer: the peer does not speak the p2p transfer protocol ("
                + e.getMessage()
                + ")");
        return false;
      }
      if (!(first instanceof Wire.Offer offer)) {
        conn.send(Wire.abort("expected an offer, got " + Wire.typeName(first)));
        report("no transfer: the peer sent " + Wire.typeName(first) + " instead of an offer");
        return false;
      }
      boolean ok =
          switch (offer.kind()) {
            case FILE -> receiveFile(offer);
            case LINES -> receiveLines();
          };
      if (ok) {
        awaitSenderClose();
      }
      return ok;
    } finally {
      conn.close();
      try {
        conn.closeFuture().get(SENDER_CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // the outcome is already reported; a close that fails changes nothing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private boolean receiveFile(Wire.Offer offer) {
    if (saveDir == null) {
      refuse(
          "this listener takes lines, not files; start it with 'p2p listen --save DIR'",
          "refused a file from " + peer() + ": start with --save DIR to receive files");
      return false;
    }
    return new FileReceiver(this, saveDir).receive(offer);
  }

  private boolean receiveLines() {
    if (!takesLines) {
      refuse(
          "this receiver takes a file, not lines; send with 'p2p send FILE'",
          "refused lines from " + peer() + ": 'p2p receive' takes a file");
      return false;
    }
    return new LineReceiver(this).receive();
  }

  P2PConnection conn() {
    return conn;
  }

  String peer() {
    return conn.peerId().shortString();
  }

  /** One line on stderr about this connection. */
  void report(String line) {
    synchronized (err) {
      err.println("p2p: " + line);
      err.flush();
    }
  }

  /** Tells the sender no and reports it. */
  void refuse(String toSender, String toUser) {
    conn.send(Wire.refuse(toSender));
    report(toUser);
  }

  /**
   * The next message, waiting at most {@code stall} for it (null: as long as the transport keeps
   * the connection, whose idle timeout ends a vanished peer).
   *
   * @throws CutException if the connection ended or the peer was silent too long
   * @throws Wire.MalformedException if the message breaks the protocol
   */
  Wire.Msg next(Duration stall) throws CutException, Wire.MalformedException {
    CompletableFuture<byte[]> f = conn.recv();
    long deadline = stall == null ? Long.MAX_VALUE : System.nanoTime() + stall.toNanos();
    for (; ; ) {
      try {
        return Wire.decode(f.get(200, TimeUnit.MILLISECONDS));
      } catch (TimeoutException e) {
        if (System.nanoTime() - deadline > 0) {
          f.cancel(false);
          conn.send(Wire.abort("nothing arrived for " + stall.toSeconds() + " s"));
          throw new CutException("the sender sent nothing for " + stall.toSeconds() + " s");
        }
      } catch (ExecutionException e) {
        throw new CutException(String.valueOf(e.getCause().getMessage()));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CutException("interrupted");
      }
    }
  }

  /** The sender closes once it has the verdict; anything else it sends now is ignored. */
  private void awaitSenderClose() {
    long deadline = System.nanoTime() + SENDER_CLOSE_TIMEOUT.toNanos();
    CompletableFuture<byte[]> f = conn.recv();
    for (; ; ) {
      try {
        f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        f = conn.recv();
      } catch (TimeoutException e) {
        f.cancel(false);
        return;
      } catch (ExecutionException e) {
        return; // closed, as expected
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
