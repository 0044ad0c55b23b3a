package dev.p2p.tunnel.internal;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Messages that arrived and {@code recv()} calls waiting for them. Tracks the unread bytes so the
 * session can stop reading from the server while the application falls behind.
 */
final class MessageInbox {
  private final ArrayDeque<byte[]> messages = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<byte[]>> waiters = new ArrayDeque<>();
  private long unreadBytes;
  private Supplier<RuntimeException> closedError;

  /** Hands a message to a waiting recv or queues it; returns the unread bytes after. */
  long add(byte[] message) {
    CompletableFuture<byte[]> waiter;
    long unread;
    synchronized (this) {
      if (closedError != null) {
        return unreadBytes;
      }
      waiter = waiters.poll();
      if (waiter == null) {
        messages.add(message);
        unreadBytes += message.length;
      }
      unread = unreadBytes;
    }
    if (waiter != null) {
      waiter.complete(message); // outside the lock: it runs the caller's callbacks
    }
    return unread;
  }

  /** The next message; queued ones are still handed out after {@link #close}. */
  CompletableFuture<byte[]> recv() {
    synchronized (this) {
      byte[] next = messages.poll();
      if (next != null) {
        unreadBytes -= next.length;
        return CompletableFuture.completedFuture(next);
      }
      if (closedError != null) {
        return CompletableFuture.failedFuture(closedError.get());
      }
      CompletableFuture<byte[]> waiter = new CompletableFuture<>();
      waiters.add(waiter);
      return waiter;
    }
  }

  synchronized long unreadBytes() {
    return unreadBytes;
  }

  /** Fails waiting and future recvs (once the queue is empty) with the given error. */
  void close(Supplier<RuntimeException> error) {
    ArrayDeque<CompletableFuture<byte[]>> failing;
    synchronized (this) {
      if (closedError != null) {
        return;
      }
      closedError = error;
      failing = new ArrayDeque<>(waiters);
      waiters.clear();
    }
    for (CompletableFuture<byte[]> f : failing) {
      f.completeExceptionally(error.get());
    }
  }
}
