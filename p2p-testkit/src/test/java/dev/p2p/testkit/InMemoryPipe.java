package dev.p2p.testkit;

import dev.p2p.api.ConnectionClosedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One direction of an in-memory connection, a small model of a transport's flow control: a send is
 * accepted (its future completes) while the bytes accepted and not yet taken by the receiving
 * application fit the window; later sends wait, in order. Accepted messages travel to the
 * receiver's provider thread (after the network's latency); the close marker travels behind them.
 * Arriving in the receiver's inbox is the transport's acknowledgement the sender's close future
 * waits for.
 */
final class InMemoryPipe {
  private record Waiting(byte[] message, CompletableFuture<Void> future) {}

  private final InMemoryNetwork network;
  private final Fault fault;
  private final InMemoryConnection sender;
  private final InMemoryConnection receiver;
  private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
  private long outstanding;
  private int inFlight;
  private boolean finRequested;
  private boolean finScheduled;
  private boolean finDelivered;
  private boolean aborted;
  private boolean settled;
  private long lost;
  private long srttNanos;

  InMemoryPipe(InMemoryConnection sender, InMemoryConnection receiver) {
    this.network = sender.owner().network;
    this.fault = network.fault;
    this.sender = sender;
    this.receiver = receiver;
  }

  /** A message the sender routes; called in send order. */
  void offer(byte[] message, CompletableFuture<Void> future) {
    boolean accepted;
    synchronized (this) {
      if (aborted) {
        accepted = false;
      } else if (waiting.isEmpty() && fits(message.length)) {
        admit(message);
        accepted = true;
      } else {
        waiting.add(new Waiting(message, future));
        return;
      }
    }
    if (future != null) {
      if (accepted) {
        future.complete(null);
      } else {
        future.completeExceptionally(new ConnectionClosedException("the peer closed"));
      }
    }
  }

  /** The receiving application took {@code size} bytes: that much credit comes back. */
  void consumed(int size) {
    List<CompletableFuture<Void>> released = new ArrayList<>();
    synchronized (this) {
      outstanding -= size;
      if (fault == Fault.STALL_AFTER_PAUSE) {
        return;
      }
      while (!aborted && !waiting.isEmpty() && fits(waiting.peek().message().length)) {
        Waiting next = waiting.poll();
        admit(next.message());
        if (next.future() != null) {
          released.add(next.future());
        }
      }
      scheduleFinIfDue();
    }
    released.forEach(f -> f.complete(null));
  }

  /** The sender closed gracefully: the close marker goes behind everything already sent. */
  synchronized void finish() {
    finRequested = true;
    scheduleFinIfDue();
  }

  /** The receiver will take nothing more, or the sender reset: what is not there yet is lost. */
  void abort() {
    List<CompletableFuture<Void>> failed = new ArrayList<>();
    synchronized (this) {
      if (aborted) {
        return;
      }
      aborted = true;
      for (Waiting w : waiting) {
        lost++;
        if (w.future() != null) {
          failed.add(w.future());
        }
      }
      waiting.clear();
    }
    failed.forEach(
        f ->
            f.completeExceptionally(
                new ConnectionClosedException(
                    "the connection ended before this message was sent")));
    settleIfDone();
  }

  /** Twice the smoothed one-way delay of delivered messages; 0 before the first. */
  synchronized long rttNanos() {
    return srttNanos;
  }

  private boolean fits(int size) {
    return fault == Fault.UNBOUNDED_SEND_BUFFER
        || outstanding == 0
        || outstanding + size <= network.window;
  }

  // Under this pipe's lock, so messages leave in the order they were admitted.
  private void admit(byte[] message) {
    outstanding += message.length;
    inFlight++;
    long sentAt = System.nanoTime();
    receiver.owner().later(() -> arrive(message, sentAt));
  }

  private void scheduleFinIfDue() {
    if (finRequested && !finScheduled && !aborted && waiting.isEmpty()) {
      finScheduled = true;
      inFlight++;
      receiver.owner().later(this::arriveFin);
    }
  }

  private void arrive(byte[] message, long sentAt) {
    boolean open;
    synchronized (this) {
      inFlight--;
      open = !aborted;
      long sample = 2 * (System.nanoTime() - sentAt);
      srttNanos = srttNanos == 0 ? sample : (7 * srttNanos + sample) / 8;
    }
    if (!open || !receiver.deliver(message)) {
      synchronized (this) {
        lost++;
      }
    }
    settleIfDone();
  }

  private void arriveFin() {
    boolean open;
    synchronized (this) {
      inFlight--;
      open = !aborted;
      finDelivered = open;
    }
    if (open) {
      receiver.remoteClosed();
    }
    settleIfDone();
  }

  private void settleIfDone() {
    long lostNow;
    synchronized (this) {
      if (settled || !(finDelivered || (aborted && inFlight == 0))) {
        return;
      }
      settled = true;
      lostNow = lost;
    }
    sender.outgoingSettled(lostNow);
  }
}
