package dev.p2p.simulator.internal;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The application's receive side of a connection end: {@code recv()} futures or one {@code
 * messages()} subscriber ({@link SimSubscription}), never both, and the inbox of messages nobody
 * has taken yet. An unread message stays in the inbox and counts against the receive window the end
 * advertises ({@link #bufferedBytes}), so a reader that stops, by either path, stalls its sender. A
 * {@code recv} future the caller completed, cancelled or timed out is skipped, and such futures are
 * swept while they wait. Part of the one object per connection end (see {@link ReliableStream});
 * {@link SimConnection} extends it.
 */
abstract class AppInbox extends ReliableStream {
  /** Done timed-out readers are swept once this many wait, so a quiet connection stays bounded. */
  private static final int READER_SWEEP = 64;

  private CompletableFuture<byte[]> reader; // the first waiting recv, the common case
  private ArrayDeque<CompletableFuture<byte[]>> moreReaders;
  private int readerSweepAt;

  /** The peer's FIN ended the connection: a subscriber gets onComplete, not onError. */
  boolean peerClosedGracefully;

  AppInbox(
      SimCore core,
      long receiveCapacity,
      long nominalRtt,
      PeerSlot local,
      PeerSlot remote,
      long id) {
    super(core, receiveCapacity, nominalRtt, local, remote, id);
  }

  /** Graceful close, lock held; a subscriber that cancels or breaks the rules closes the end. */
  abstract void closeLocked(String reason);

  public final CompletableFuture<byte[]> recv() {
    core.enter();
    try {
      if (subscription != null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "this connection delivers to its messages() subscriber; a connection has one"
                    + " consumer, so use either recv() or messages()"));
      }
      byte[] next = pollInbox();
      if (next != null) {
        return CompletableFuture.completedFuture(next);
      }
      if (closedCause != null) {
        return CompletableFuture.failedFuture(closedCause);
      }
      CompletableFuture<byte[]> future = new CompletableFuture<>();
      dropDoneReaders(); // a timed-out first reader gives its place up
      if (reader == null) {
        reader = future;
        return future;
      }
      if (moreReaders == null) {
        moreReaders = new ArrayDeque<>();
        readerSweepAt = READER_SWEEP;
      } else if (moreReaders.size() >= readerSweepAt) {
        // Amortised: the threshold doubles past what stays, so each sweep pays for itself.
        moreReaders.removeIf(CompletableFuture::isDone);
        readerSweepAt = Math.max(READER_SWEEP, 2 * moreReaders.size());
      }
      moreReaders.add(future);
      return future;
    } finally {
      core.exit();
    }
  }

  /** The next unread message, or null; reading reopens the window. Lock held. */
  byte[] pollInbox() {
    byte[] next = inbox == null ? null : inbox.poll();
    if (next != null) {
      buffered -= next.length;
      windowOpened();
    }
    return next;
  }

  int inboxSize() {
    return inbox == null ? 0 : inbox.size();
  }

  /** True once nothing more can arrive for the application. Lock held. */
  boolean ended() {
    return closedCause != null;
  }

  /** How the stream ended for a subscriber: null after a graceful close by the peer. */
  RuntimeException endError() {
    return peerClosedGracefully ? null : closedCause;
  }

  public final Flow.Publisher<byte[]> messages() {
    return this::subscribe;
  }

  private void subscribe(Flow.Subscriber<? super byte[]> subscriber) {
    Objects.requireNonNull(subscriber, "subscriber"); // Reactive Streams rule 1.9
    core.enter();
    try {
      RuntimeException refusal = null;
      if (subscription != null) {
        refusal =
            new IllegalStateException(
                "messages() already has a subscriber; a connection has one consumer");
      } else if (hasWaitingReaders()) {
        refusal =
            new IllegalStateException(
                "recv() futures are pending on this connection; a connection has one consumer, so"
                    + " complete or cancel them before subscribing to messages()");
      }
      SimSubscription s = new SimSubscription(this, subscriber, refusal);
      if (refusal == null) {
        subscription = s;
      }
      s.wake();
    } finally {
      core.exit();
    }
  }

  /** recv() futures held, done or not: for tests of boundedness. */
  int heldReaders() {
    core.enter();
    try {
      return (reader == null ? 0 : 1) + (moreReaders == null ? 0 : moreReaders.size());
    } finally {
      core.exit();
    }
  }

  private boolean hasWaitingReaders() {
    dropDoneReaders();
    return reader != null;
  }

  private void dropDoneReaders() {
    while (reader != null && reader.isDone()) {
      nextReader();
    }
  }

  /** Hands a message to the subscriber, the first live reader, or the inbox. Lock held. */
  final void toApplication(byte[] message) {
    SimSubscription s = subscription;
    if (s != null) {
      if ((inbox == null || inbox.isEmpty()) && s.pushNow(message)) {
        return;
      }
      queue(message);
      s.wake();
      return;
    }
    CompletableFuture<byte[]> f;
    while ((f = nextReader()) != null) {
      if (f.complete(message)) {
        return;
      }
    }
    queue(message);
  }

  private void queue(byte[] message) {
    if (inbox == null) {
      inbox = new ArrayDeque<>();
    }
    inbox.add(message);
    buffered += message.length;
  }

  @Override
  long bufferedBytes() {
    return buffered;
  }

  final void failWaiting() {
    CompletableFuture<byte[]> f;
    while ((f = nextReader()) != null) {
      f.completeExceptionally(closedCause);
    }
  }

  private CompletableFuture<byte[]> nextReader() {
    CompletableFuture<byte[]> f = reader;
    reader = moreReaders == null ? null : moreReaders.poll();
    return f;
  }

  final void wakeSubscriber() {
    if (subscription != null) {
      subscription.wake();
    }
  }
}
