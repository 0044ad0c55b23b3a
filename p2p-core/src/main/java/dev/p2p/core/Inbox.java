package dev.p2p.core;

import dev.p2p.api.P2PException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receive side of one connection: messages that arrived, and the one consumer they go to,
 * either {@code recv()} futures or a {@link Flow.Subscriber} with back-pressure.
 *
 * <p>Unread bytes (queued, not yet handed out) are counted. Above {@code highWater} the inbox asks
 * the transport to stop reading; at or below half of it, to read again. It asks by calling the
 * {@link Transport#readabilityChanged()} hook, which must then read {@link #wantsMore()} (on the
 * transport's own thread, so the answer and the socket's state cannot race). The transport's flow
 * control then holds the sender back: memory stays bounded on both sides.
 *
 * <p>{@link #offer} is called by one transport thread at a time. Futures complete and subscriber
 * callbacks run outside the lock; subscriber calls are serialised, and a subscriber calling {@code
 * request} from {@code onNext} does not recurse.
 */
public final class Inbox implements Flow.Publisher<byte[]> {
  private static final Logger log = LoggerFactory.getLogger(Inbox.class);

  /** What the inbox asks of the transport under it. */
  public interface Transport {
    /** {@link #wantsMore()} may have changed: start or stop reading to match it. */
    void readabilityChanged();

    /** The subscriber cancelled: the consumer is gone, so the connection should close. */
    void consumerCancelled();
  }

  private final long highWater;
  private final Transport transport;

  // Guarded by this.
  private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
  private final Waiters<byte[]> readers = new Waiters<>();
  private long unreadBytes;
  // Written under the lock; volatile so wantsMore(), asked after every message, takes no lock.
  private volatile boolean paused;
  private Supplier<? extends P2PException> endError; // set once the stream ended
  private boolean endedGracefully;
  private Flow.Subscriber<? super byte[]> subscriber;
  private long demand;
  private boolean cancelled;
  private boolean terminalSent;
  private boolean draining;
  private long droppedUnreliable;
  private IllegalArgumentException misuse; // a bad request(n), signalled through drain()

  /**
   * @param highWater unread bytes above which the transport is asked to stop reading
   * @param transport the hooks
   */
  public Inbox(long highWater, Transport transport) {
    if (highWater < 1) {
      throw new IllegalArgumentException("highWater must be positive, got " + highWater);
    }
    this.highWater = highWater;
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  // ---- transport side ----

  /**
   * A message arrived. Reliable messages are always taken (the transport stops reading when asked;
   * what it already read is kept). An unreliable one is dropped when the unread bytes would exceed
   * the high-water mark, as a socket buffer would. Returns false if dropped or already ended.
   */
  public boolean offer(byte[] message, boolean reliable) {
    Objects.requireNonNull(message, "message");
    boolean notify = false;
    boolean push;
    while (true) {
      CompletableFuture<byte[]> reader;
      synchronized (this) {
        if (endError != null) {
          return false;
        }
        push = subscriber != null;
        reader = push ? null : readers.pollLive();
        if (reader == null) {
          if (!reliable && unreadBytes + message.length > highWater) {
            droppedUnreliable++;
            return false;
          }
          queued.add(message);
          unreadBytes += message.length;
          if (!paused && unreadBytes > highWater) {
            paused = true;
            notify = true;
          }
        }
      }
      if (reader == null) {
        break;
      }
      if (reader.complete(message)) {
        return true;
      }
      // The caller completed or timed it out meanwhile: the message goes to the next reader.
    }
    if (notify) {
      transport.readabilityChanged();
    }
    if (push) {
      // Without a subscriber there is nothing to drain (a later subscribe drains what is queued),
      // and recv() readers take this path once per message: no second lock for them.
      drain();
    }
    return true;
  }

  /**
   * The peer closed gracefully: queued messages are still handed out, then {@code recv} fails with
   * the error and a subscriber gets {@code onComplete}.
   */
  public void complete(Supplier<? extends P2PException> recvError) {
    end(recvError, true);
  }

  /**
   * The connection ended any other way (including a local close): queued messages are still handed
   * out, then {@code recv} and the subscriber fail with the error.
   */
  public void fail(Supplier<? extends P2PException> error) {
    end(error, false);
  }

  private void end(Supplier<? extends P2PException> error, boolean graceful) {
    Objects.requireNonNull(error, "error");
    ArrayDeque<CompletableFuture<byte[]>> failing;
    synchronized (this) {
      if (endError != null) {
        return;
      }
      endError = error;
      endedGracefully = graceful;
      failing = readers.drain(); // readers wait only while nothing is queued
    }
    for (CompletableFuture<byte[]> f : failing) {
      f.completeExceptionally(error.get());
    }
    drain();
  }

  /** True while the unread bytes allow reading more from the transport. */
  public boolean wantsMore() {
    return !paused;
  }

  /** Bytes that arrived and were not handed out yet. */
  public synchronized long unreadBytes() {
    return unreadBytes;
  }

  /** Unreliable messages dropped because nobody read fast enough. */
  public synchronized long droppedUnreliable() {
    return droppedUnreliable;
  }

  // ---- application side ----

  /** The next message: {@code P2PConnection.recv()}. */
  public CompletableFuture<byte[]> recv() {
    boolean notify;
    byte[] next;
    synchronized (this) {
      if (subscriber != null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "messages() has a subscriber; a connection has one consumer: receive through the"
                    + " subscriber, or do not subscribe"));
      }
      next = queued.poll();
      if (next == null) {
        if (endError != null) {
          return CompletableFuture.failedFuture(endError.get());
        }
        CompletableFuture<byte[]> f = new CompletableFuture<>();
        readers.add(f);
        return f;
      }
      notify = taken(next);
    }
    if (notify) {
      transport.readabilityChanged();
    }
    return CompletableFuture.completedFuture(next);
  }

  /** Accounts for a message handed out; true if reading should resume. Holds the lock. */
  private boolean taken(byte[] message) {
    unreadBytes -= message.length;
    if (paused && unreadBytes <= highWater / 2) {
      paused = false;
      return true;
    }
    return false;
  }

  /** {@code P2PConnection.messages()}: see its javadoc for the rules. */
  @Override
  public void subscribe(Flow.Subscriber<? super byte[]> s) {
    Objects.requireNonNull(s, "subscriber");
    String refusal = null;
    synchronized (this) {
      if (subscriber != null) {
        refusal = "messages() already has a subscriber; a connection has one consumer";
      } else if (readers.anyLive()) {
        refusal =
            "recv() futures are pending; a connection has one consumer: subscribe before calling"
                + " recv(), or keep using recv()";
      } else {
        subscriber = s;
      }
    }
    if (refusal != null) {
      s.onSubscribe(new Refused());
      s.onError(new IllegalStateException(refusal));
      return;
    }
    s.onSubscribe(new Subscription());
    drain();
  }

  /** Hands queued messages and the end to the subscriber, as far as its demand allows. */
  private void drain() {
    while (true) {
      Flow.Subscriber<? super byte[]> s;
      byte[] next = null;
      boolean notify = false;
      RuntimeException error = null;
      boolean broken = false;
      synchronized (this) {
        s = subscriber;
        boolean work =
            s != null
                && !cancelled
                && !terminalSent
                && !draining
                && (misuse != null
                    || (demand > 0 && !queued.isEmpty())
                    || (queued.isEmpty() && endError != null));
        if (!work) {
          return;
        }
        draining = true;
        if (misuse != null) {
          terminalSent = true;
          error = misuse;
          broken = true;
        } else if (!queued.isEmpty()) {
          next = queued.poll();
          demand--;
          notify = taken(next);
        } else {
          terminalSent = true;
          if (!endedGracefully) {
            error = endError.get();
          }
        }
      }
      try {
        if (notify) {
          transport.readabilityChanged();
        }
        if (next != null) {
          s.onNext(next);
        } else if (error != null) {
          s.onError(error);
        } else {
          s.onComplete();
        }
        if (broken) {
          cancel();
        }
      } catch (RuntimeException e) {
        // Reactive Streams 2.13: a throwing subscriber is treated as cancelled.
        log.warn("messages() subscriber threw; cancelling its subscription", e);
        cancel();
      } finally {
        synchronized (this) {
          draining = false;
        }
      }
    }
  }

  private void request(long n) {
    synchronized (this) {
      if (n <= 0) {
        if (misuse == null) {
          misuse =
              new IllegalArgumentException(
                  "request(" + n + "): demand must be positive (Reactive Streams rule 3.9)");
        }
      } else {
        demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      }
    }
    drain();
  }

  private void cancel() {
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
    }
    transport.consumerCancelled();
  }

  private final class Subscription implements Flow.Subscription {
    @Override
    public void request(long n) {
      Inbox.this.request(n);
    }

    @Override
    public void cancel() {
      Inbox.this.cancel();
    }
  }

  /** Given to a refused subscriber, which gets {@code onError} at once. */
  private static final class Refused implements Flow.Subscription {
    @Override
    public void request(long n) {}

    @Override
    public void cancel() {}
  }
}
