package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.IntConsumer;

/**
 * The receiving side of an in-memory connection end: arrived messages, and their one consumer,
 * either pending {@code recv} futures or one {@code messages()} subscriber with its demand. Every
 * hand-over goes through {@link #drain()}, which one thread at a time runs, so subscriber calls are
 * serialised and a request from inside onNext does not recurse.
 */
final class InMemoryInbox {
  private final Fault fault;
  private final IntConsumer consumed;
  private final Runnable cancelled;
  private final ArrayDeque<byte[]> messages = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<byte[]>> readers = new ArrayDeque<>();
  private long messagesReceived;
  private long bytesReceived;
  private boolean closed;
  private ConnectionClosedException recvError;
  private Throwable pushError; // null with closed: a graceful end, onComplete once drained
  private Flow.Subscriber<? super byte[]> subscriber;
  private boolean subscriberReady;
  private boolean subscriptionOver;
  private long demand;
  private Throwable badRequest;
  private boolean draining;
  private boolean drainAgain;

  /**
   * @param consumed told the size of each message the application took (credit for the sender)
   * @param cancelled run when the subscriber cancels (the connection closes)
   */
  InMemoryInbox(Fault fault, IntConsumer consumed, Runnable cancelled) {
    this.fault = fault;
    this.consumed = consumed;
    this.cancelled = cancelled;
  }

  /** A message arrived; false if this end takes nothing any more. */
  boolean deliver(byte[] message) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      messagesReceived++;
      bytesReceived += message.length;
      messages.add(message);
    }
    drain();
    return true;
  }

  /** No more messages: pending recvs fail; a subscriber ends after what is left (or at once). */
  void close(ConnectionClosedException recvError, Throwable pushError) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      this.recvError = recvError;
      this.pushError = pushError;
    }
    drain();
  }

  /** Fault.DROP_INBOX_ON_REMOTE_CLOSE: what arrived is thrown away. */
  synchronized void clear() {
    messages.clear();
  }

  synchronized long messagesReceived() {
    return messagesReceived;
  }

  synchronized long bytesReceived() {
    return bytesReceived;
  }

  CompletableFuture<byte[]> recv() {
    CompletableFuture<byte[]> reader = new CompletableFuture<>();
    synchronized (this) {
      if (subscriber != null && fault != Fault.RECV_ALLOWED_WHILE_SUBSCRIBED) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "messages() has a subscriber: a connection has one consumer, use either recv()"
                    + " or messages()"));
      }
      if (closed && messages.isEmpty()) {
        return CompletableFuture.failedFuture(recvError);
      }
      readers.add(reader);
    }
    drain();
    return reader;
  }

  void subscribe(Flow.Subscriber<? super byte[]> s) {
    Objects.requireNonNull(s, "subscriber"); // Reactive Streams 1.9
    String refusal = null;
    synchronized (this) {
      if (subscriber != null && fault != Fault.SECOND_SUBSCRIBER_REPLACES_FIRST) {
        refusal = "messages() already has a subscriber: a connection has one consumer";
      } else if (readers.stream().anyMatch(r -> !r.isDone())) {
        refusal = "recv() futures are pending: a connection has one consumer";
      } else {
        subscriber = s;
        subscriberReady = false;
        subscriptionOver = false;
        demand = 0;
        if (fault == Fault.PUSH_SKIPS_EARLY_MESSAGES) {
          messages.clear();
        }
      }
    }
    if (refusal != null) {
      s.onSubscribe(new Refused());
      s.onError(new IllegalStateException(refusal));
      return;
    }
    s.onSubscribe(new Subscription(s));
    synchronized (this) {
      subscriberReady = true;
    }
    drain();
  }

  private final class Subscription implements Flow.Subscription {
    private final Flow.Subscriber<? super byte[]> owner;

    Subscription(Flow.Subscriber<? super byte[]> owner) {
      this.owner = owner;
    }

    @Override
    public void request(long n) {
      synchronized (InMemoryInbox.this) {
        if (subscriber != owner) {
          return;
        }
        if (n <= 0 && fault != Fault.REQUEST_ZERO_IGNORED) {
          badRequest =
              new IllegalArgumentException("request(" + n + "): demand must be positive (3.9)");
        } else if (n > 0) {
          demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
        }
      }
      drain();
    }

    @Override
    public void cancel() {
      synchronized (InMemoryInbox.this) {
        if (subscriber != owner || subscriptionOver) {
          return;
        }
        subscriptionOver = true;
      }
      if (fault != Fault.CANCEL_KEEPS_CONNECTION) {
        cancelled.run();
      }
    }
  }

  private static final class Refused implements Flow.Subscription {
    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }

  private void drain() {
    synchronized (this) {
      if (draining) {
        drainAgain = true;
        return;
      }
      draining = true;
    }
    while (true) {
      byte[] message = null;
      CompletableFuture<byte[]> reader = null;
      Flow.Subscriber<? super byte[]> target = null;
      Throwable error = null;
      boolean complete = false;
      synchronized (this) {
        if (subscriber != null) {
          if (subscriberReady && !subscriptionOver) {
            target = subscriber;
            if (badRequest != null) {
              error = badRequest;
            } else if (closed && pushError != null) {
              error = pushError;
            } else if (!messages.isEmpty()
                && (demand > 0 || fault == Fault.ON_NEXT_BEYOND_DEMAND)) {
              message = messages.poll();
              demand--;
            } else if (closed && messages.isEmpty()) {
              complete = true;
            } else {
              target = null;
            }
            if (error != null || complete) {
              subscriptionOver = true;
            }
          }
        } else {
          reader = nextReader();
          if (reader != null) {
            if (!messages.isEmpty()) {
              message = messages.poll();
            } else if (closed) {
              readers.poll();
              error = recvError;
            } else {
              reader = null;
            }
            if (message != null) {
              readers.poll();
            }
          }
        }
        if (target == null && reader == null) {
          if (drainAgain) {
            drainAgain = false;
            continue;
          }
          draining = false;
          return;
        }
      }
      if (reader != null) {
        if (error != null) {
          reader.completeExceptionally(error);
        } else if (reader.complete(message) || fault == Fault.RECV_COMPLETES_TIMED_OUT_FUTURE) {
          consumed.accept(message.length);
        } else {
          synchronized (this) {
            messages.addFirst(message); // the caller gave up just now: the next reader gets it
          }
        }
      } else if (message != null) {
        consumed.accept(message.length);
        target.onNext(message);
      } else if (error != null) {
        target.onError(error);
      } else {
        target.onComplete();
      }
    }
  }

  // Readers the caller completed, cancelled or timed out are skipped.
  private CompletableFuture<byte[]> nextReader() {
    while (!readers.isEmpty()
        && readers.peek().isDone()
        && fault != Fault.RECV_COMPLETES_TIMED_OUT_FUTURE) {
      readers.poll();
    }
    return readers.peek();
  }
}
