package dev.p2p.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A {@code messages()} subscriber for tests: records what it is given and on which thread, checks
 * that {@code onNext} never runs ahead of its demand and that signals never overlap, and asks for
 * {@code batch} more every {@code batch} messages (0: only what the test requests by hand).
 */
final class RecordingSubscriber implements Flow.Subscriber<byte[]> {
  final List<Integer> indices = new ArrayList<>();
  final List<String> threads = new ArrayList<>();
  final CompletableFuture<Void> subscribed = new CompletableFuture<>();
  final CompletableFuture<Void> done = new CompletableFuture<>();
  final List<String> violations = new ArrayList<>();
  Flow.Subscription subscription;
  long bytes;
  boolean completed;
  Throwable error;
  private final long batch;
  private long outstanding;
  private int depth;
  private int target = -1;
  final CompletableFuture<Void> reachedTarget = new CompletableFuture<>();

  RecordingSubscriber(long batch) {
    this.batch = batch;
  }

  /** Completes {@link #reachedTarget} once {@code count} messages arrived. */
  RecordingSubscriber until(int count) {
    target = count;
    return this;
  }

  void request(long n) {
    outstanding = outstanding + n < 0 ? Long.MAX_VALUE : outstanding + n;
    subscription.request(n);
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    enter();
    if (subscription != null) {
      violations.add("onSubscribe twice");
    }
    subscription = s;
    threads.add(Thread.currentThread().getName());
    subscribed.complete(null);
    if (batch > 0) {
      request(batch);
    }
    depth--;
  }

  @Override
  public void onNext(byte[] message) {
    enter();
    if (subscription == null) {
      violations.add("onNext before onSubscribe");
    }
    if (done.isDone()) {
      violations.add("onNext after the end");
    }
    if (outstanding != Long.MAX_VALUE && --outstanding < 0) {
      violations.add("onNext beyond demand at message " + indices.size());
    }
    indices.add(SimPair.index(message));
    bytes += message.length;
    threads.add(Thread.currentThread().getName());
    if (indices.size() == target) {
      reachedTarget.complete(null);
    }
    if (batch > 0 && indices.size() % batch == 0) {
      request(batch); // from inside onNext: must not recurse
    }
    depth--;
  }

  @Override
  public void onError(Throwable t) {
    enter();
    if (done.isDone()) {
      violations.add("second terminal signal " + t);
    }
    error = t;
    threads.add(Thread.currentThread().getName());
    done.complete(null);
    depth--;
  }

  @Override
  public void onComplete() {
    enter();
    if (done.isDone()) {
      violations.add("second terminal signal onComplete");
    }
    completed = true;
    threads.add(Thread.currentThread().getName());
    done.complete(null);
    depth--;
  }

  private void enter() {
    if (++depth > 1) {
      violations.add("signals overlap (re-entrant call, depth " + depth + ")");
    }
  }
}
