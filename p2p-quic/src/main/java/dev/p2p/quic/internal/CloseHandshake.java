package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionState;
import dev.p2p.core.ConnectionLifecycle;
import dev.p2p.core.Inbox;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The graceful close of one connection, on the reliable stream:
 *
 * <pre>
 *   closing side                          other side
 *   RECEIPT, ... messages, CLOSE  ------->  reads up to CLOSE; its recv ends after them
 *                                 <-------  RECEIPT, ... its own last messages, CLOSE_ACK
 *   QUIC CONNECTION_CLOSE(0)      ------->
 * </pre>
 *
 * Everything sent before {@code close()} goes ahead of CLOSE, sends still waiting for buffer space
 * included ({@link StreamOutbox}). A side that closed takes nothing more from the stream: what it
 * reads afterwards is read only to find the peer's frames, and dropped, so its receipt at close
 * (and at CLOSE_ACK) is final.
 *
 * <p>A close future completes normally only when the peer's last receipt covers every message we
 * wrote: for the closing side that is checked on CLOSE_ACK, for the other side when the
 * CONNECTION_CLOSE with code 0 arrives. Any other end fails the close future with how much the peer
 * did not acknowledge, as far as its receipts tell; so does a peer that closed itself without
 * reading what we sent (its receipt stops short). A peer that reads nothing for the idle timeout
 * after a close is given up on. Both sides closing at once works: each answers the other's CLOSE.
 * Event-loop confined.
 */
final class CloseHandshake {
  /** Application close codes carried in QUIC CONNECTION_CLOSE. */
  static final int CLOSE_NORMAL = 0;

  static final int CLOSE_NOT_LISTENING = 1;
  static final int CLOSE_PROTOCOL_ERROR = 2;
  static final int CLOSE_RESET = 3;

  /** What the handshake needs of its connection. */
  interface Link {
    boolean streamOpen();

    void writeControl(int frame);

    /** Ends the QUIC connection now with this code; {@code reason} becomes the close reason. */
    void closeQuic(int code, String reason);

    /** Writes a read receipt now if anything was read since the last one. */
    void reportReads();
  }

  private enum Phase {
    OPEN,
    CLOSE_SENT,
    ACK_SENT,
    DONE
  }

  private final EventLoop loop;
  private final Link link;
  private final ConnectionLifecycle lifecycle;
  private final Inbox inbox;
  private final StreamOutbox outbox;
  private final ReadReceipts receipts;
  private final Duration patience;

  private Phase phase = Phase.OPEN;
  private long[] unwritten = {0, 0}; // {messages, bytes} accepted but never written
  private ScheduledFuture<?> timer;
  private long progressMark = -1;

  CloseHandshake(
      EventLoop loop,
      Link link,
      ConnectionLifecycle lifecycle,
      Inbox inbox,
      StreamOutbox outbox,
      ReadReceipts receipts,
      Duration patience) {
    this.loop = loop;
    this.link = link;
    this.lifecycle = lifecycle;
    this.inbox = inbox;
    this.outbox = outbox;
    this.receipts = receipts;
    this.patience = patience;
  }

  /** {@code close()} was called (the state is already DISCONNECTING). */
  void closeLocally() {
    if (phase != Phase.OPEN) {
      return;
    }
    phase = Phase.CLOSE_SENT;
    if (!link.streamOpen()) {
      link.closeQuic(CLOSE_RESET, "closed locally before the connection was up");
      return;
    }
    link.reportReads();
    outbox.closeWith(StreamFrames.CLOSE);
    watchProgress();
  }

  /** The peer's CLOSE: it sent everything it will send. */
  void closeReceived() {
    if (phase == Phase.DONE) {
      return;
    }
    // What we read up to here is all we take: the peer learns it before our CLOSE_ACK.
    link.reportReads();
    if (phase == Phase.OPEN) {
      lifecycle.transition(ConnectionState.DISCONNECTING, "the peer closed the connection");
      inbox.complete(() -> lifecycle.closedError("receive"));
      phase = Phase.ACK_SENT;
      // After what we already sent, in order: the peer reads it up to CLOSE_ACK.
      outbox.closeWith(StreamFrames.CLOSE_ACK);
      // The closing side ends the connection once it reads CLOSE_ACK; wait for that, bounded.
      timer =
          loop.schedule(
              () ->
                  link.closeQuic(
                      CLOSE_RESET,
                      "the peer closed but did not end the connection within "
                          + describe(patience)),
              patience.toNanos(),
              TimeUnit.NANOSECONDS);
    } else {
      outbox.thenWrite(StreamFrames.CLOSE_ACK); // both closed: answer after our own CLOSE
    }
  }

  /** The peer read up to our CLOSE; its receipt just before says how much of it it took. */
  void closeAckReceived() {
    if (phase != Phase.CLOSE_SENT) {
      return;
    }
    phase = Phase.DONE;
    settle(
        "closed; the peer received everything",
        "the peer closed the connection without reading everything sent",
        true);
    link.closeQuic(CLOSE_NORMAL, "closed");
  }

  /**
   * The QUIC connection ended: settles the state and the close future. {@code peerClosedNormally}:
   * the peer ended it with code 0, the last step of a graceful close.
   */
  void quicClosed(String reason, boolean peerClosedNormally) {
    if (timer != null) {
      timer.cancel(false);
    }
    long[] lost = outbox.fail();
    if (phase == Phase.DONE) {
      return;
    }
    phase = Phase.DONE;
    unwritten = lost;
    settle(reason, reason, lifecycle.isClosing() || peerClosedNormally);
  }

  /**
   * Closes normally if {@code graceful} and the peer's receipts cover every message written and
   * nothing accepted was left unwritten; fails with what is not covered otherwise.
   */
  private void settle(String closedReason, String failedReason, boolean graceful) {
    long messages = outbox.messagesWritten() - receipts.peerReadMessages() + unwritten[0];
    long bytes = outbox.bytesWritten() - receipts.peerReadBytes() + unwritten[1];
    if (graceful && messages == 0 && bytes == 0) {
      lifecycle.closed(closedReason);
    } else {
      lifecycle.failed(failedReason, lifecycle.notAcknowledged(failedReason, messages, bytes));
    }
  }

  /** Gives up on a peer that reads nothing for {@code patience} after our CLOSE. */
  private void watchProgress() {
    timer =
        loop.schedule(
            () -> {
              long read = receipts.peerReadMessages();
              if (phase != Phase.CLOSE_SENT) {
                return;
              }
              if (read > progressMark) {
                progressMark = read;
                watchProgress();
              } else {
                link.closeQuic(
                    CLOSE_RESET,
                    "the peer read nothing for " + describe(patience) + " after close");
              }
            },
            patience.toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /** "30 s", "1500 ms". */
  static String describe(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
