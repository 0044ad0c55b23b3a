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

  /**
   * How many messages the transfer has: fixed, or for an open-ended one {@link Integer#MAX_VALUE}
   * until the sender, told to {@link #stopAfter stop}, fixes it. Only the sender writes it, before
   * it sends the message that reaches it, so the receiver never waits for one that is not sent.
   */
  private volatile int messages;

  private volatile int stopAfter;

  private SequencedTransfer(P2PConnection from, P2PConnection to, int messages) {
    this.from = from;
    this.messages = messages;
    this.receiving =
        CompletableFuture.runAsync(
            () -> {
              long last = System.nanoTime();
              for (int i = 0; i < this.messages; i++) {
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

  /**
   * A transfer that keeps sending until {@link #stopAfter} is called, so that whatever a test does
   * meanwhile (path switches that take as long as the machine makes them) happens mid-transfer.
   */
  static SequencedTransfer startOpenEnded(P2PConnection from, P2PConnection to) {
    return new SequencedTransfer(from, to, Integer.MAX_VALUE);
  }

  /** Ends an open-ended transfer {@code more} messages after the one being sent now. */
  void stopAfter(int more) {
    if (more < 1) {
      throw new IllegalArgumentException("more must be positive: " + more);
    }
    stopAfter = more;
  }

  /** The number of messages: final once the sending future completed. */
  int messages() {
    return messages;
  }

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

  /** Sends every message (a window of 256 in flight), then waits for the receiver. */
  void sendAllAndAwait(long timeoutSeconds) throws Exception {
    List<CompletableFuture<Void>> window = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      if (messages == Integer.MAX_VALUE && stopAfter > 0) {
        messages = i + stopAfter;
      }
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
