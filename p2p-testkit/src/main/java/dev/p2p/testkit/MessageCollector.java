package dev.p2p.testkit;

import dev.p2p.api.P2PConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;

/**
 * Receives messages one {@code recv} after another without blocking any thread, so the test thread
 * can await the result (and a virtual-time provider can run while it does).
 */
final class MessageCollector {
  private final P2PConnection connection;
  private final Predicate<List<byte[]>> done;
  private final String what;
  private final List<byte[]> received = new ArrayList<>();
  private final CompletableFuture<List<byte[]>> result = new CompletableFuture<>();

  private MessageCollector(P2PConnection connection, Predicate<List<byte[]>> done, String what) {
    this.connection = connection;
    this.done = done;
    this.what = what;
  }

  /** Collects the next {@code count} messages of {@code connection}, in arrival order. */
  static MessageCollector collect(P2PConnection connection, int count, String what) {
    return collectUntil(
        connection, list -> list.size() >= count, what + " (" + count + " messages)");
  }

  /** Receives until {@code done} holds for the messages received so far. */
  static MessageCollector collectUntil(
      P2PConnection connection, Predicate<List<byte[]>> done, String what) {
    MessageCollector collector = new MessageCollector(connection, done, what);
    collector.pump();
    return collector;
  }

  /** Completes with the messages once done. */
  CompletableFuture<List<byte[]>> result() {
    return result;
  }

  /** What is being collected and how far it got, for failure messages. */
  String progress() {
    synchronized (received) {
      return what + ": " + received.size() + " received so far";
    }
  }

  // A loop rather than recursion: providers that complete recv() synchronously would otherwise
  // grow the stack by one frame per message.
  private void pump() {
    while (true) {
      synchronized (received) {
        if (done.test(received)) {
          result.complete(List.copyOf(received));
          return;
        }
      }
      CompletableFuture<byte[]> next;
      try {
        next = connection.recv();
      } catch (RuntimeException e) {
        fail(e);
        return;
      }
      if (!next.isDone()) {
        next.whenComplete(
            (message, error) -> {
              if (error != null) {
                fail(error);
              } else if (add(message)) {
                pump();
              }
            });
        return;
      }
      try {
        if (!add(next.join())) {
          return;
        }
      } catch (CompletionException | java.util.concurrent.CancellationException e) {
        fail(e.getCause() != null ? e.getCause() : e);
        return;
      }
    }
  }

  private boolean add(byte[] message) {
    if (message == null) {
      result.completeExceptionally(new AssertionError(what + ": recv() completed with null"));
      return false;
    }
    synchronized (received) {
      received.add(message);
    }
    return true;
  }

  private void fail(Throwable error) {
    while (error instanceof CompletionException && error.getCause() != null) {
      error = error.getCause();
    }
    int count;
    synchronized (received) {
      count = received.size();
    }
    result.completeExceptionally(
        new AssertionError(
            what + ": recv() number " + (count + 1) + " failed with " + error, error));
  }
}
