package dev.p2p.tunnel.internal;

import dev.p2p.core.Inbox;
import dev.p2p.core.TrafficCounters;

/**
 * The receiving half of one connection: numbering checks, reassembly, the inbox, and the grants
 * that pace the sender. After a local close it discards what arrives and remembers it, because the
 * peer's END then cannot be acknowledged. Event loop only.
 */
final class MessageReceiver {
  private final TunnelSession session;
  private final MessageSender sender;
  private final Inbox inbox;
  private final TrafficCounters counters;
  private final int maxMessageSize;
  private final MessageAssembler assembler;
  private final ReceiveWindow window = new ReceiveWindow();
  private long expected;
  // Data that arrived after the local close, before the peer's END: never delivered.
  private long discardedMessages;
  private long discardedBytes;
  private boolean discarded;

  MessageReceiver(
      TunnelSession session,
      MessageSender sender,
      Inbox inbox,
      TrafficCounters counters,
      int maxMessageSize) {
    this.session = session;
    this.sender = sender;
    this.inbox = inbox;
    this.counters = counters;
    this.maxMessageSize = maxMessageSize;
    this.assembler = new MessageAssembler(maxMessageSize);
  }

  long nextNumber() {
    return expected;
  }

  /**
   * Handles one DATA frame and releases it. Returns why the peer broke the protocol (the caller
   * fails the connection), or null.
   *
   * @param discard true once this side closed and the peer has not: the application reads nothing
   *     new, so what arrives is lost
   */
  String onData(DataFrame frame, boolean discard) {
    try {
      if (frame.messageNumber() != expected) {
        return "protocol error: message "
            + frame.messageNumber()
            + " arrived where "
            + expected
            + " was expected";
      }
      int length = frame.payloadLength();
      byte[] message;
      try {
        message = assembler.add(frame);
      } catch (MessageAssembler.TooLarge e) {
        return "the peer sent a message larger than this side's limit of "
            + maxMessageSize
            + " bytes (P2P_MAX_MESSAGE_SIZE)";
      }
      if (message != null) {
        expected++;
        counters.received(message.length);
      }
      if (discard) {
        discarded = true;
        discardedBytes += length;
        if (message != null) {
          discardedMessages++;
        }
        // Not granted back (a grant acknowledges, and the sender would push all it has only to
        // have it discarded), unless our END still waits for credit: then the peer may have
        // closed and be discarding ours too, and its END, behind its data, is the only way
        // either side learns the other is done.
        if (sender.endWaitsForCredit()) {
          grant(window.discarded(length), false);
        }
        return null;
      }
      if (message != null) {
        inbox.offer(message, true); // the tunnel carries UNRELIABLE reliably too
      }
      grant(window.received(length, inbox.wantsMore()));
      return null;
    } finally {
      frame.release();
    }
  }

  /** True once something was discarded: the peer's END can never be acknowledged. */
  boolean discarded() {
    return discarded;
  }

  /** What was discarded, as the peer is told it. */
  String discardedSummary() {
    return "the peer closed the connection before reading everything sent to it: "
        + discardedMessages
        + " messages, "
        + discardedBytes
        + " bytes that arrived after its close were discarded";
  }

  /** The application reads again: what was withheld is granted. */
  void readabilityChanged() {
    if (inbox.wantsMore()) {
      grant(window.resumed());
    }
  }

  /** This side closed: what it received is granted back at once, so the peer's END gets out. */
  void releaseAll() {
    grant(window.releaseAll());
  }

  /** A new server channel: a fresh window, and no half-assembled message from the old one. */
  void channelLost() {
    assembler.clear();
    window.reset();
  }

  private void grant(int increment) {
    grant(increment, true);
  }

  private void grant(int increment, boolean acknowledges) {
    long id = sender.connectionId();
    if (increment > 0 && id != 0) {
      session.send(new TunnelFrame.WindowUpdate(id, increment, acknowledges));
    }
  }
}
