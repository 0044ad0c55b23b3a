package dev.p2p.tunnel.internal;

import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The sending half of one connection: message numbers, the flow-control window, and the order in
 * which frames reach the queue toward the server, END behind everything sent before the close.
 * Sends come from any thread and take this object's lock, so numbers, credit and frames go out in
 * one order; grants, the close and resets come from the event loop.
 */
final class MessageSender {
  private final TunnelSession session;
  private final TunnelConnection connection;
  private final TrafficCounters counters;
  private final Supplier<RuntimeException> refusal;
  private final Supplier<RuntimeException> serverDown;

  private volatile long connectionId;
  private volatile OutboundQueue queue;

  // Guarded by this.
  private final SendWindow window = new SendWindow();
  private long nextNumber;
  private boolean endQueued;

  /**
   * @param refusal why a send is refused in the connection's current state, or null; asked under
   *     the lock (the close moves the state before it queues END, so no send slips behind END)
   * @param serverDown the error for a send while the server channel is down
   */
  MessageSender(
      TunnelSession session,
      TunnelConnection connection,
      TrafficCounters counters,
      Supplier<RuntimeException> refusal,
      Supplier<RuntimeException> serverDown) {
    this.session = session;
    this.connection = connection;
    this.counters = counters;
    this.refusal = refusal;
    this.serverDown = serverDown;
  }

  long connectionId() {
    return connectionId;
  }

  OutboundQueue queue() {
    return queue;
  }

  synchronized long nextNumber() {
    return nextNumber;
  }

  /** The connection (re)opened as {@code id} on the session's current channel. Event loop. */
  void bind(long id) {
    connectionId = id;
    queue = session.outbound();
  }

  CompletableFuture<Void> send(byte[] message, int channelNumber) {
    OutboundQueue q;
    CompletableFuture<Void> leftWindow = null;
    List<CompletableFuture<Void>> released = null;
    synchronized (this) {
      RuntimeException refused = refusal.get();
      if (refused != null) {
        return CompletableFuture.failedFuture(refused);
      }
      q = queue;
      Channel ch = q.channel();
      if (!ch.isActive()) {
        return CompletableFuture.failedFuture(serverDown.get());
      }
      long number = nextNumber++;
      window.messageSent(message.length);
      if (window.tryTake(message.length)) {
        queueFrames(q, channelNumber, number, message); // the common case
      } else {
        leftWindow = new CompletableFuture<>();
        released = new ArrayList<>(1);
        waitForCredit(ch, q, channelNumber, number, message, leftWindow, released);
      }
    }
    counters.sent(message.length);
    q.schedule();
    if (released != null) {
      complete(released);
    }
    // Accepted once its frames passed the window and the queue toward the server has room.
    if (leftWindow == null || leftWindow.isDone()) {
      return session.whenWritable(q, connection);
    }
    return leftWindow.thenCompose(v -> session.whenWritable(q, connection));
  }

  /** Frames of one message straight to the queue: its credit is taken. Holds the lock. */
  private void queueFrames(OutboundQueue q, int channelNumber, long number, byte[] message) {
    int chunk = session.maxPayloadPerFrame();
    int offset = 0;
    do {
      int length = Math.min(chunk, message.length - offset);
      boolean last = offset + length == message.length;
      q.addData(connectionId, channelNumber, number, last, message, offset, length);
      offset += length;
    } while (offset < message.length);
  }

  /**
   * Frames of one message through the window: what fits goes out, the rest waits for grants, and
   * {@code leftWindow} completes when the last frame has left. Holds the lock.
   */
  private void waitForCredit(
      Channel ch,
      OutboundQueue q,
      int channelNumber,
      long number,
      byte[] message,
      CompletableFuture<Void> leftWindow,
      List<CompletableFuture<Void>> released) {
    List<ByteBuf> out = SendWindow.newFrames();
    int chunk = session.maxPayloadPerFrame();
    int offset = 0;
    do {
      int length = Math.min(chunk, message.length - offset);
      boolean last = offset + length == message.length;
      ByteBuf frame =
          TunnelFrameCodec.encodeData(
              ch.alloc(), connectionId, channelNumber, number, last, message, offset, length);
      window.add(frame, length, number, message.length, last ? leftWindow : null, out, released);
      offset += length;
    } while (offset < message.length);
    toQueue(q, out);
  }

  /**
   * The receiver granted more: frames waiting for credit go out. Event loop.
   *
   * @param acknowledges false for credit given for bytes the receiver discarded
   */
  void granted(int increment, boolean acknowledges) {
    List<ByteBuf> out = SendWindow.newFrames();
    List<CompletableFuture<Void>> released = new ArrayList<>();
    OutboundQueue q;
    synchronized (this) {
      window.granted(increment, acknowledges, out, released);
      q = queue;
      toQueue(q, out);
    }
    q.schedule();
    complete(released);
  }

  /** Queues END behind everything sent so far; false if it already was. Event loop. */
  boolean queueEnd(String reason) {
    List<ByteBuf> out = SendWindow.newFrames();
    List<CompletableFuture<Void>> released = new ArrayList<>();
    OutboundQueue q;
    synchronized (this) {
      if (endQueued) {
        return false;
      }
      endQueued = true;
      q = queue;
      ByteBuf end =
          TunnelFrameCodec.encode(
              q.channel().alloc(), new TunnelFrame.ConnectionEnd(connectionId, reason));
      window.add(end, 0, -1, 0, null, out, released);
      toQueue(q, out);
    }
    q.schedule();
    return true;
  }

  /** True while our END is queued but still waits for credit behind data. */
  synchronized boolean endWaitsForCredit() {
    return endQueued && !window.isEmpty();
  }

  /**
   * END_ACK arrived: true if it is for our END (queued and gone out behind everything), and then
   * everything sent counts as acknowledged.
   */
  synchronized boolean endAcknowledged() {
    if (!endQueued || !window.isEmpty()) {
      return false;
    }
    window.allAcknowledged();
    return true;
  }

  /** True if nothing waits for credit and the peer acknowledged every message sent. */
  synchronized boolean nothingUnacknowledged() {
    return window.isEmpty() && window.unacknowledgedMessages() == 0;
  }

  /** What a reset left unacknowledged: message and byte counts for the close future. */
  record Unacknowledged(long messages, long bytes) {}

  /** A reset: drops what waits for credit into {@code unsent} and counts what was not acked. */
  synchronized Unacknowledged discard(List<CompletableFuture<Void>> unsent) {
    window.discard(unsent);
    return new Unacknowledged(window.unacknowledgedMessages(), window.unacknowledgedBytes());
  }

  /**
   * The server channel is gone: drops what waits for credit into {@code unsent}, renumbers from the
   * first message that never left (the peer must not count it as lost), and starts a fresh window
   * for the next channel.
   */
  synchronized void channelLost(List<CompletableFuture<Void>> unsent) {
    connectionId = 0;
    long first = window.discard(unsent);
    if (first >= 0) {
      nextNumber = first;
    }
    window.reset();
  }

  private static void toQueue(OutboundQueue q, List<ByteBuf> frames) {
    for (ByteBuf f : frames) {
      q.add(f);
    }
    frames.clear();
  }

  private static void complete(List<CompletableFuture<Void>> futures) {
    for (CompletableFuture<Void> f : futures) {
      f.complete(null);
    }
  }
}
