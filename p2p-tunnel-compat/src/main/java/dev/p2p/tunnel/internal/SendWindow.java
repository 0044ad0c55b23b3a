package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The sending half of one connection's flow control: the credit the receiver granted, the frames
 * waiting for more of it, and which messages the receiver has not acknowledged yet (a grant is a
 * cumulative acknowledgement of the bytes it covers). Frames leave in order; the END frame waits
 * behind every data frame queued before it.
 *
 * <p>Not thread-safe: the connection guards it with its own lock, which also orders message
 * numbers.
 */
final class SendWindow {
  private record Queued(
      ByteBuf frame,
      int payload,
      long messageNumber,
      int messageBytes,
      CompletableFuture<Void> done) {}

  private final ArrayDeque<Queued> waiting = new ArrayDeque<>();
  private final LongQueue messageEnds = new LongQueue(); // cumulative byte offsets
  private long credit = TunnelProtocol.INITIAL_WINDOW;
  private long sentBytes;
  private long ackedBytes;

  /**
   * Queues one frame of a message; {@code done} (on the message's last frame only, else null)
   * completes when the frame has left for the server. Frames that fit the credit go to {@code out}
   * at once.
   */
  void add(
      ByteBuf frame,
      int payload,
      long messageNumber,
      int messageBytes,
      CompletableFuture<Void> done,
      List<ByteBuf> out,
      List<CompletableFuture<Void>> released) {
    waiting.add(new Queued(frame, payload, messageNumber, messageBytes, done));
    release(out, released);
  }

  /** Records a message of {@code bytes} payload bytes, for the unacknowledged counts. */
  void messageSent(int bytes) {
    sentBytes += bytes;
    messageEnds.addLast(sentBytes);
  }

  /**
   * The common case: nothing waits and the whole message fits the credit. Takes the credit and
   * returns true; the caller then queues the message's frames directly, in order.
   */
  boolean tryTake(int bytes) {
    if (!waiting.isEmpty() || credit < bytes) {
      return false;
    }
    credit -= bytes;
    return true;
  }

  /**
   * The receiver granted {@code increment} more bytes: release what now fits.
   *
   * @param acknowledges false for credit given for bytes the receiver discarded: those stay
   *     unacknowledged (a receiver that discarded never acknowledges again, so the cumulative count
   *     stays exact)
   */
  void granted(
      int increment,
      boolean acknowledges,
      List<ByteBuf> out,
      List<CompletableFuture<Void>> released) {
    credit += increment;
    if (!acknowledges) {
      release(out, released);
      return;
    }
    ackedBytes += increment;
    while (!messageEnds.isEmpty() && messageEnds.peekFirst() <= ackedBytes) {
      messageEnds.removeFirst();
    }
    release(out, released);
  }

  /** The peer acknowledged everything (END_ACK). */
  void allAcknowledged() {
    ackedBytes = sentBytes;
    messageEnds.clear();
  }

  private void release(List<ByteBuf> out, List<CompletableFuture<Void>> released) {
    Queued q;
    while ((q = waiting.peek()) != null && q.payload() <= credit) {
      waiting.poll();
      credit -= q.payload();
      out.add(q.frame());
      if (q.done() != null) {
        released.add(q.done());
      }
    }
  }

  /** True if nothing waits for credit. */
  boolean isEmpty() {
    return waiting.isEmpty();
  }

  long unacknowledgedMessages() {
    return messageEnds.size();
  }

  long unacknowledgedBytes() {
    return Math.max(0, sentBytes - ackedBytes);
  }

  /**
   * Drops what still waits (the server channel is gone) and returns the futures of the messages
   * that never left, for the caller to fail, and the number of the first message not sent (or -1):
   * the next message number to use, so the peer sees no gap.
   */
  long discard(List<CompletableFuture<Void>> failed) {
    long first = -1;
    Queued q;
    while ((q = waiting.poll()) != null) {
      q.frame().release();
      if (first < 0 && q.messageNumber() >= 0) {
        first = q.messageNumber();
      }
      if (q.done() != null) {
        failed.add(q.done());
        messageEnds.removeLast(); // never sent: nothing to acknowledge
        sentBytes -= q.messageBytes();
      }
    }
    return first;
  }

  /** A new channel after a reconnect: the receiver starts from a fresh window. */
  void reset() {
    credit = TunnelProtocol.INITIAL_WINDOW;
  }

  static List<ByteBuf> newFrames() {
    return new ArrayList<>(4);
  }
}
