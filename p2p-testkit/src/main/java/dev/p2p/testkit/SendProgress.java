package dev.p2p.testkit;

import dev.p2p.api.P2PConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A batch of equal-sized reliable sends issued at once, and how many bytes of it the provider has
 * accepted (send futures completed normally) so far: what back-pressure must bound.
 */
final class SendProgress {
  private final long bound;
  private final List<CompletableFuture<Void>> sends = new ArrayList<>();
  private final List<Integer> sizes = new ArrayList<>();
  private final AtomicLong acceptedBytes = new AtomicLong();
  private final CompletableFuture<Void> beyondBound = new CompletableFuture<>();

  private SendProgress(long bound) {
    this.bound = bound;
  }

  /**
   * Sends messages {@code 0..} of {@code stream}, each {@code size} bytes, until more than {@code
   * bound + beyond} bytes were issued. Issued at once: a correct provider accepts at most {@code
   * bound} of them while the receiver reads nothing.
   */
  static SendProgress sendBeyond(
      P2PConnection sender, int stream, int size, long bound, long beyond) {
    SendProgress progress = new SendProgress(bound);
    long issued = 0;
    for (int seq = 0; issued <= bound + beyond; seq++) {
      CompletableFuture<Void> send = sender.send(Payloads.of(stream, seq, size));
      progress.sends.add(send);
      progress.sizes.add(size);
      issued += size;
      send.whenComplete(
          (ok, error) -> {
            if (error == null && progress.acceptedBytes.addAndGet(size) > bound) {
              progress.beyondBound.complete(null);
            }
          });
    }
    return progress;
  }

  /** Completes once more than the bound was accepted: back-pressure failed. */
  CompletableFuture<Void> beyondBound() {
    return beyondBound;
  }

  long acceptedBytes() {
    return acceptedBytes.get();
  }

  long issuedBytes() {
    return MessageSizes.sum(sizes);
  }

  List<CompletableFuture<Void>> sends() {
    return sends;
  }

  List<Integer> sizes() {
    return sizes;
  }

  /** Completes when every send settled, successfully or not. */
  CompletableFuture<Void> settled() {
    return CompletableFuture.allOf(
        sends.stream().map(f -> f.handle((ok, error) -> null)).toArray(CompletableFuture[]::new));
  }

  String describe() {
    long done = sends.stream().filter(CompletableFuture::isDone).count();
    return acceptedBytes()
        + " of "
        + issuedBytes()
        + " bytes accepted ("
        + done
        + " of "
        + sends.size()
        + " send futures done; the maxBufferedBytes() hook allows "
        + bound
        + ")";
  }
}
