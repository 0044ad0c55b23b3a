package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.opentest4j.AssertionFailedError;

/**
 * What {@code closeFuture()} and {@code P2PProvider.close()} promise a sender: success only once
 * the peer has everything; failure, not silence, when it cannot get it.
 *
 * <p>Both close-future scenarios send more than the provider may buffer ({@code maxBufferedBytes()}
 * plus {@value #BEYOND_BUFFERS_MIB} MiB) to a peer that reads nothing, so the transfer cannot
 * finish until the peer reads, whatever the provider's speed: a close future done before that is
 * wrong on any provider, and it needs no timing assumption.
 */
final class CloseFutureScenarios {
  static final int BEYOND_BUFFERS_MIB = 4;
  static final int BURST = 1000;

  /** Provider time given for a wrong early completion to show. */
  static final Duration SETTLE = Duration.ofSeconds(2);

  private static final int STREAM = 70;

  private final Kit kit;

  CloseFutureScenarios(Kit kit) {
    this.kit = kit;
  }

  void closeFutureCompletesOnceThePeerHasEverything() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    P2PConnection bob = pair.accepted();
    SendProgress progress = sendBeyondBuffers(alice);
    alice.close();
    assertNotDone(alice.closeFuture(), "right after close()", progress);
    kit.pause(SETTLE, "time for a close future to complete too early");
    assertNotDone(alice.closeFuture(), "after " + SETTLE + " of provider time", progress);

    List<byte[]> received =
        kit.received(
            MessageCollector.collect(
                bob, progress.sends().size(), "bob reading everything alice sent before close"));
    MessageAssertions.assertStream(
        received, STREAM, progress.sizes(), "messages sent before close");
    kit.await("alice's closeFuture once bob had everything", alice.closeFuture());
    kit.awaitAll("alice's sends issued before close()", progress.sends());
    kit.expectFailure(
        "bob's recv() after the last message", bob::recv, ConnectionClosedException.class);
  }

  /**
   * The exact scenario: bob's application never reads; alice issues more than the buffers hold and
   * calls close(); then bob's P2PProvider.close() runs. Bob's own close future has nothing to wait
   * for (bob sent nothing), so his provider closes at once and what bob never read is gone.
   */
  void closeFutureFailsWhenThePeerVanishesMidTransfer() {
    P2PProvider bobsProvider = kit.provider("bob");
    ConnectedPair pair = kit.connect(kit.provider("alice"), bobsProvider);
    P2PConnection alice = pair.dialled();
    SendProgress progress = sendBeyondBuffers(alice);
    alice.close();
    bobsProvider.close();
    Throwable failure =
        kit.expectFailure(
            "alice's closeFuture after bob's provider closed with "
                + progress.issuedBytes()
                + " bytes sent and none read",
            alice::closeFuture,
            ConnectionClosedException.class);
    String message = failure.getMessage();
    if (message == null || message.isBlank()) {
      throw new AssertionFailedError(
          "the ConnectionClosedException of the close future must say why and what was not"
              + " acknowledged; it has no message",
          failure);
    }
    kit.await("every send future settling after the peer vanished", progress.settled());
    for (CompletableFuture<Void> send : progress.sends()) {
      if (send.isCompletedExceptionally()) {
        Throwable cause = causeOf(send);
        if (!(cause instanceof ConnectionClosedException)) {
          throw new AssertionFailedError(
              "a send cut off by the vanished peer failed with "
                  + cause
                  + " but should fail with ConnectionClosedException",
              cause);
        }
      }
    }
  }

  void providerCloseRightAfterABurstDeliversEverything() {
    P2PProvider alicesProvider = kit.provider("alice");
    ConnectedPair pair = kit.connect(alicesProvider, kit.provider("bob"));
    P2PConnection alice = pair.dialled();
    P2PConnection bob = pair.accepted();
    MessageCollector atBob = MessageCollector.collect(bob, BURST, "bob receiving the burst");
    List<Integer> sizes = new ArrayList<>();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < BURST; i++) {
      sizes.add(MessageSizes.typical(kit.random(), kit.hooks().maxMessageSize()));
      sends.add(alice.send(Payloads.of(STREAM + 1, i, sizes.get(i))));
    }
    kit.awaitAll("alice's " + BURST + " sends", sends);
    alice.close();
    alicesProvider.close(); // the try-with-resources of a sending program that then exits
    // close() returns once the close futures are done (or its linger passed, far from here): what
    // is not acknowledged by then dies with the process.
    CompletableFuture<Void> closed = alice.closeFuture();
    if (!closed.isDone() || closed.isCompletedExceptionally()) {
      throw new AssertionFailedError(
          "P2PProvider.close() returned before the closed connection's closeFuture completed"
              + " normally ("
              + (closed.isDone() ? "it failed with " + causeOf(closed) : "it is not done")
              + "): a program that exits now loses what the peer has not acknowledged");
    }
    MessageAssertions.assertStream(
        kit.received(atBob), STREAM + 1, sizes, "the burst sent before P2PProvider.close()");
    kit.expectFailure("bob's recv() after the burst", bob::recv, ConnectionClosedException.class);
  }

  private SendProgress sendBeyondBuffers(P2PConnection sender) {
    int size = Math.min(MessageSizes.LARGE, kit.hooks().maxMessageSize());
    return SendProgress.sendBeyond(
        sender, STREAM, size, kit.hooks().maxBufferedBytes(), (long) BEYOND_BUFFERS_MIB << 20);
  }

  private static void assertNotDone(
      CompletableFuture<Void> closeFuture, String when, SendProgress progress) {
    if (closeFuture.isDone()) {
      String how =
          closeFuture.isCompletedExceptionally()
              ? "failed with " + causeOf(closeFuture)
              : "completed normally";
      throw new AssertionFailedError(
          "alice's closeFuture "
              + how
              + " "
              + when
              + ", though bob has read nothing and "
              + progress.describe()
              + ": the peer cannot have all of it yet");
    }
    assertFalse(closeFuture.isDone());
  }

  private static Throwable causeOf(CompletableFuture<?> failed) {
    try {
      failed.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause() != null ? e.getCause() : e;
    } catch (RuntimeException e) {
      return e;
    }
  }
}
