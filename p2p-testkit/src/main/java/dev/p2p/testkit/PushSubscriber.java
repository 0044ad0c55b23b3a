package dev.p2p.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;
import org.opentest4j.AssertionFailedError;

/**
 * A {@link Flow.Subscriber} that records what a provider pushes and every rule it breaks: a signal
 * before onSubscribe or after a terminal one, onNext beyond the demand, two calls overlapping on
 * different threads. Demand is the test's: {@link #request(long)} by hand, or {@link
 * #requestInBatches(int)} to ask for more from inside onNext as the previous batch is used up.
 * Never blocks a provider thread.
 */
final class PushSubscriber implements Flow.Subscriber<byte[]> {
  /** How a subscription ended. */
  record Ending(boolean completed, Throwable error) {}

  private final String what;
  private final Object lock = new Object();
  private final List<byte[]> received = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final TreeMap<Integer, CompletableFuture<Void>> counts = new TreeMap<>();
  private final CompletableFuture<Flow.Subscription> subscribed = new CompletableFuture<>();
  private final CompletableFuture<Ending> ended = new CompletableFuture<>();
  private final AtomicReference<Thread> inCall = new AtomicReference<>();
  private Flow.Subscription subscription;
  private long requested;
  private int batch;
  private boolean terminal;

  PushSubscriber(String what) {
    this.what = what;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    enter("onSubscribe");
    try {
      synchronized (lock) {
        if (subscription != null) {
          violations.add("onSubscribe called twice");
        }
        subscription = s;
      }
      subscribed.complete(s);
    } finally {
      leave();
    }
  }

  @Override
  public void onNext(byte[] message) {
    enter("onNext");
    long more = 0;
    List<CompletableFuture<Void>> reached = new ArrayList<>();
    Flow.Subscription s;
    try {
      synchronized (lock) {
        if (subscription == null) {
          violations.add("onNext before onSubscribe");
        }
        if (terminal) {
          violations.add("onNext after the subscription ended");
        }
        if (message == null) {
          violations.add("onNext(null) (Reactive Streams 2.13)");
          return;
        }
        received.add(message);
        if (received.size() > requested) {
          violations.add("onNext number " + received.size() + " beyond the demand of " + requested);
        }
        while (!counts.isEmpty() && counts.firstKey() <= received.size()) {
          reached.add(counts.pollFirstEntry().getValue());
        }
        if (batch > 0 && received.size() == requested) {
          more = batch;
          requested += batch;
        }
        s = subscription;
      }
    } finally {
      leave();
    }
    reached.forEach(f -> f.complete(null));
    if (more > 0 && s != null) {
      s.request(more); // from inside onNext, as subscribers do (Reactive Streams 3.2)
    }
  }

  @Override
  public void onError(Throwable error) {
    end("onError", new Ending(false, error));
  }

  @Override
  public void onComplete() {
    end("onComplete", new Ending(true, null));
  }

  private void end(String signal, Ending ending) {
    enter(signal);
    try {
      synchronized (lock) {
        if (terminal) {
          violations.add(signal + " after the subscription had ended");
          return;
        }
        terminal = true;
      }
      ended.complete(ending);
    } finally {
      leave();
    }
  }

  // Calls on one thread may nest (a request from onNext); calls from two threads at once may not.
  private void enter(String signal) {
    Thread me = Thread.currentThread();
    Thread other = inCall.get();
    if (other != null && other != me) {
      synchronized (lock) {
        violations.add(signal + " on " + me.getName() + " while a call ran on " + other.getName());
      }
    }
    inCall.compareAndSet(null, me);
  }

  private void leave() {
    inCall.compareAndSet(Thread.currentThread(), null);
  }

  CompletableFuture<Flow.Subscription> subscribed() {
    return subscribed;
  }

  /** Completes when the subscription ends, with how. */
  CompletableFuture<Ending> ended() {
    return ended;
  }

  /** Completes once {@code count} messages were pushed. */
  CompletableFuture<Void> count(int count) {
    synchronized (lock) {
      if (received.size() >= count) {
        return CompletableFuture.completedFuture(null);
      }
      return counts.computeIfAbsent(count, c -> new CompletableFuture<>());
    }
  }

  /** Adds demand from the test thread. */
  void request(long n) {
    Flow.Subscription s;
    synchronized (lock) {
      s = subscription;
      if (n > 0) {
        requested += n;
      }
    }
    if (s == null) {
      throw new AssertionFailedError(what + ": request() before onSubscribe");
    }
    s.request(n);
  }

  /** From now on, asks for {@code n} more each time the previous demand is used up. */
  void requestInBatches(int n) {
    long now;
    synchronized (lock) {
      batch = n;
      now = requested > received.size() ? 0 : n;
    }
    if (now > 0) {
      request(now);
    }
  }

  void cancel() {
    Flow.Subscription s;
    synchronized (lock) {
      s = subscription;
    }
    s.cancel();
  }

  List<byte[]> received() {
    synchronized (lock) {
      return List.copyOf(received);
    }
  }

  int receivedCount() {
    synchronized (lock) {
      return received.size();
    }
  }

  /** Fails with every rule the provider broke, if any. */
  void assertNoViolations() {
    synchronized (lock) {
      if (!violations.isEmpty()) {
        throw new AssertionFailedError(
            what + " saw the publisher break the Flow rules: " + String.join("; ", violations));
      }
    }
  }
}
