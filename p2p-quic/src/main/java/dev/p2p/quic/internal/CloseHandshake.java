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
 *   ... messages, CLOSE      ------->     reads up to CLOSE; its recv ends after them
 *                            <-------     ... its own last messages, CLOSE_ACK
 *   QUIC CONNECTION_CLOSE(0) ------->
 * </pre>
 *
 * The closing side's close future completes normally on CLOSE_ACK (the peer read everything); the
 * other side's when the CONNECTION_CLOSE with code 0 arrives after its CLOSE_ACK (the closing side
 * read everything it sent). Any other end fails the close future with how much the peer did not
 * acknowledge, as far as its read receipts tell. A peer that reads nothing for the idle timeout
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
  private boolean ackSent;
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
    outbox.flushAccepted();
    link.writeControl(StreamFrames.CLOSE);
    watchProgress();
  }

  /** The peer's CLOSE: it sent everything it will send. */
  void closeReceived() {
    if (phase == Phase.OPEN) {
      lifecycle.transition(ConnectionState.DISCONNECTING, "the peer closed the connection");
      inbox.complete(() -> lifecycle.closedError("receive"));
      outbox.flushAccepted();
      phase = Phase.ACK_SENT;
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
    }
    if (phase != Phase.DONE) {
      ackSent = true;
      link.writeControl(StreamFrames.CLOSE_ACK);
    }
  }

  /** The peer read everything we wrote before CLOSE. */
  void closeAckReceived() {
    if (phase != Phase.CLOSE_SENT) {
      return;
    }
    phase = Phase.DONE;
    receipts.peerReadAll(outbox.messagesWritten(), outbox.bytesWritten());
    lifecycle.closed("closed; the peer received everything");
    link.closeQuic(CLOSE_NORMAL, "closed");
  }

  /**
   * The QUIC connection ended: settles the state and the close future. {@code peerClosedNormally}:
   * the peer ended it with code 0, which it does only after reading our CLOSE_ACK.
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
    long messages = outbox.messagesWritten() - receipts.peerReadMessages() + lost[0];
    long bytes = outbox.bytesWritten() - receipts.peerReadBytes() + lost[1];
    if (peerClosedNormally && ackSent || messages == 0 && bytes == 0 && lifecycle.isClosing()) {
      lifecycle.closed(reason);
    } else {
      lifecycle.failed(reason, lifecycle.notAcknowledged(reason, messages, bytes));
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
