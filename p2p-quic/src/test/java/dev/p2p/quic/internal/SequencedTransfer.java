package dev.p2p.quic.internal;

import dev.p2p.api.P2PConnection;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Numbered reliable messages from one connection to another: the receiver checks each arrives once,
 * in order, and records the longest time between two deliveries.
 */
final class SequencedTransfer {
  final AtomicInteger received = new AtomicInteger();
  final AtomicLong longestGapNanos = new AtomicLong();
  private final CompletableFuture<Void> receiving;
  private final P2PConnection from;
  private final int messages;

  private SequencedTransfer(P2PConnection from, P2PConnection to, int messages) {
    this.from = from;
    this.messages = messages;
    this.receiving =
        CompletableFuture.runAsync(
            () -> {
              long last = System.nanoTime();
              for (int i = 0; i < messages; i++) {
                byte[] m;
                try {
                  m = to.recv().get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                  throw new AssertionError("message " + i + " did not arrive within 30 s", e);
                }
                long now = System.nanoTime();
                longestGapNanos.accumulateAndGet(now - last, Math::max);
                last = now;
                int seq = ByteBuffer.wrap(m).getInt();
                if (seq != i) {
                  throw new AssertionError("expected message " + i + ", got " + seq);
                }
                received.incrementAndGet();
              }
            });
  }

  static SequencedTransfer start(P2PConnection from, P2PConnection to, int messages) {
    return new SequencedTransfer(from, to, messages);
  }

  /** Sends every message (a window of 256 in flight), then waits for the receiver. */
  /** {@link #sendAllAndAwait} on another thread; the future fails with what it threw. */
  CompletableFuture<Void> sendInBackground(long timeoutSeconds) {
    return CompletableFuture.runAsync(
        () -> {
          try {
            sendAllAndAwait(timeoutSeconds);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        });
  }

  void sendAllAndAwait(long timeoutSeconds) throws Exception {
    List<CompletableFuture<Void>> window = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      byte[] m = new byte[64];
      ByteBuffer.wrap(m).putInt(i);
      window.add(from.send(m));
      if (window.size() == 256) {
        CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        window.clear();
      }
    }
    CompletableFuture.allOf(window.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    receiving.get(timeoutSeconds, TimeUnit.SECONDS);
  }

  /** Blocks until at least {@code n} messages arrived (bounded). */
  void awaitReceived(int n, long timeoutSeconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (received.get() < n) {
      if (System.nanoTime() > end || receiving.isCompletedExceptionally()) {
        throw new AssertionError("only " + received.get() + " of " + n + " messages arrived");
      }
      Thread.sleep(5);
    }
  }
}
