package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.opentest4j.AssertionFailedError;

/**
 * Push delivery through {@code messages()}: order, demand, back-pressure, endings, one consumer.
 */
final class PushScenarios {
  static final int ORDERED_COUNT = 2000;
  static final int EARLY = 20;
  static final int FIRST_DEMAND = 5;

  /** Provider time in which a publisher would run ahead of the demand, if it does. */
  static final Duration DEMAND_SETTLE = Duration.ofMillis(300);

  private static final int STREAM = 80;

  private final Kit kit;

  PushScenarios(Kit kit) {
    this.kit = kit;
  }

  void messagesArriveInOrderExactlyOnceWithinDemand() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    P2PConnection bob = pair.accepted();
    int max = kit.hooks().maxMessageSize();
    List<Integer> sizes = MessageSizes.withExtremes(kit.random(), ORDERED_COUNT, max);
    // Move the extremes (max-size messages among them) out of the early part bob may buffer.
    for (int i = 0; i < EARLY; i++) {
      sizes.set(i, MessageSizes.typical(kit.random(), Math.min(max, 4096)));
    }
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < EARLY; i++) {
      sends.add(alice.send(Payloads.of(STREAM, i, sizes.get(i))));
    }
    kit.awaitAll("alice's sends before bob subscribes", sends);
    // Time for them to arrive, so that they are what a subscriber gets first.
    kit.pause(DEMAND_SETTLE, "the early messages reaching bob");

    PushSubscriber subscriber = subscribe(bob, "bob's subscriber");
    subscriber.request(FIRST_DEMAND);
    kit.await("the first " + FIRST_DEMAND + " pushed messages", subscriber.count(FIRST_DEMAND));
    kit.pause(DEMAND_SETTLE, "time to push beyond the demand");
    subscriber.assertNoViolations();
    assertEquals(
        FIRST_DEMAND,
        subscriber.receivedCount(),
        "messages pushed after request(" + FIRST_DEMAND + ")");

    subscriber.requestInBatches(7);
    for (int i = EARLY; i < ORDERED_COUNT; i++) {
      sends.add(alice.send(Payloads.of(STREAM, i, sizes.get(i))));
    }
    kit.await("all " + ORDERED_COUNT + " pushed messages", subscriber.count(ORDERED_COUNT));
    kit.awaitAll("alice's sends", sends);
    subscriber.assertNoViolations();
    MessageAssertions.assertStream(subscriber.received(), STREAM, sizes, "messages pushed to bob");

    long bytes = MessageSizes.sum(sizes);
    ConnectionStats atAlice = alice.stats();
    ConnectionStats atBob = bob.stats();
    assertEquals(ORDERED_COUNT, atAlice.messagesSent(), "alice's messagesSent " + atAlice);
    assertEquals(bytes, atAlice.bytesSent(), "alice's bytesSent " + atAlice);
    assertEquals(ORDERED_COUNT, atBob.messagesReceived(), "bob's messagesReceived (push) " + atBob);
    assertEquals(bytes, atBob.bytesReceived(), "bob's bytesReceived (push) " + atBob);
  }

  void messagesBackPressureStopsTheSenderAndResumes() {
    ConnectedPair pair = kit.pair();
    PushSubscriber subscriber = subscribe(pair.accepted(), "bob's subscriber");
    int size = Math.min(MessageSizes.LARGE, kit.hooks().maxMessageSize());
    long bound = kit.hooks().maxBufferedBytes();
    SendProgress progress =
        SendProgress.sendBeyond(
            pair.dialled(),
            STREAM + 1,
            size,
            bound,
            (long) CloseFutureScenarios.BEYOND_BUFFERS_MIB << 20);
    // Fails at once if the sender is not held back; otherwise gives its buffers time to fill.
    kit.await(
        "the back-pressure wait",
        CompletableFuture.anyOf(
            progress.beyondBound(), kit.hooks().delay(CloseFutureScenarios.SETTLE)));
    if (progress.acceptedBytes() > bound) {
      throw new AssertionFailedError(
          "a subscriber that requested nothing did not stop the sender: " + progress.describe());
    }
    assertEquals(0, subscriber.receivedCount(), "messages pushed without any request");
    assertFalse(
        progress.sends().stream().allMatch(CompletableFuture::isDone),
        "every send completed while the subscriber requested nothing: " + progress.describe());

    subscriber.requestInBatches(16);
    int count = progress.sends().size();
    kit.await("all " + count + " messages once bob requests again", subscriber.count(count));
    kit.awaitAll("alice's sends once bob requests again", progress.sends());
    subscriber.assertNoViolations();
    MessageAssertions.assertStream(
        subscriber.received(), STREAM + 1, progress.sizes(), "messages after back-pressure");
  }

  void messagesCompleteAfterGracefulPeerClose() {
    ConnectedPair pair = kit.pair();
    PushSubscriber subscriber = subscribe(pair.accepted(), "bob's subscriber");
    subscriber.requestInBatches(10);
    List<Integer> sizes = new ArrayList<>();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      sizes.add(MessageSizes.typical(kit.random(), kit.hooks().maxMessageSize()));
      sends.add(pair.dialled().send(Payloads.of(STREAM + 2, i, sizes.get(i))));
    }
    kit.awaitAll("alice's sends", sends);
    pair.dialled().close();
    PushSubscriber.Ending ending =
        kit.await("the end of bob's subscription after alice closed", subscriber.ended());
    if (!ending.completed()) {
      throw new AssertionFailedError(
          "a graceful close by the peer must end the subscription with onComplete, not onError("
              + ending.error()
              + ")",
          ending.error());
    }
    MessageAssertions.assertStream(
        subscriber.received(), STREAM + 2, sizes, "messages pushed before onComplete");
    kit.pause(DEMAND_SETTLE, "time for a stray signal after onComplete");
    subscriber.assertNoViolations();
  }

  void messagesEndWithErrorOnLocalCloseOrCancel() {
    ConnectedPair pair = kit.pair();
    PushSubscriber subscriber = subscribe(pair.accepted(), "bob's subscriber");
    subscriber.requestInBatches(4);
    kit.await("alice's send", pair.dialled().send(Payloads.of(STREAM + 3, 0, 64)));
    kit.await("the pushed message", subscriber.count(1));
    pair.accepted().close();
    PushSubscriber.Ending ending =
        kit.await("the end of bob's subscription after bob closed", subscriber.ended());
    if (ending.completed() || !(ending.error() instanceof P2PException)) {
      throw new AssertionFailedError(
          "a local close() must end the subscription with onError(P2PException), got "
              + (ending.completed() ? "onComplete" : "onError(" + ending.error() + ")"),
          ending.error());
    }
    subscriber.assertNoViolations();

    // Cancelling the subscription closes the connection.
    ConnectedPair other = kit.pair();
    StateRecorder atBob = StateRecorder.attach(other.accepted(), "bob");
    PushSubscriber cancelling = subscribe(other.accepted(), "bob's cancelling subscriber");
    CompletableFuture<byte[]> alicePending = other.dialled().recv();
    cancelling.cancel();
    kit.await("bob's side reaching CLOSED after he cancelled his subscription", atBob.closed());
    kit.expectFailure(
        "alice's recv() pending when bob cancelled his subscription",
        () -> alicePending,
        ConnectionClosedException.class);
    cancelling.assertNoViolations();
  }

  void messagesHasOneConsumer() {
    ConnectedPair pair = kit.pair();
    P2PConnection bob = pair.accepted();
    PushSubscriber first = subscribe(bob, "bob's first subscriber");
    kit.expectFailure(
        "bob's recv() while messages() has a subscriber", bob::recv, IllegalStateException.class);
    PushSubscriber second = new PushSubscriber("bob's second subscriber");
    bob.messages().subscribe(second);
    expectError(second, IllegalStateException.class, "a second subscriber");
    // The first consumer is untouched.
    first.request(1);
    kit.await("alice's send", pair.dialled().send(Payloads.of(STREAM + 4, 0, 64)));
    kit.await("the first subscriber's message", first.count(1));
    MessageAssertions.assertMessage(
        first.received().get(0), STREAM + 4, 0, "the first subscriber's message");
    first.assertNoViolations();

    // The other way round: a subscriber while a recv() is pending.
    ConnectedPair other = kit.pair();
    CompletableFuture<byte[]> pending = other.accepted().recv();
    PushSubscriber late = new PushSubscriber("a subscriber while recv() is pending");
    other.accepted().messages().subscribe(late);
    expectError(late, IllegalStateException.class, "a subscriber while a recv() is pending");
    kit.await("alice's send", other.dialled().send(Payloads.of(STREAM + 4, 1, 64)));
    MessageAssertions.assertMessage(
        kit.await("the pending recv()", pending), STREAM + 4, 1, "the pending recv()'s message");
  }

  void messagesRejectsRequestOfZero() {
    ConnectedPair pair = kit.pair();
    PushSubscriber subscriber = subscribe(pair.accepted(), "bob's subscriber");
    subscriber.request(0);
    expectError(subscriber, IllegalArgumentException.class, "request(0)");
  }

  private PushSubscriber subscribe(P2PConnection connection, String what) {
    PushSubscriber subscriber = new PushSubscriber(what);
    connection.messages().subscribe(subscriber);
    kit.await(what + ": onSubscribe", subscriber.subscribed());
    return subscriber;
  }

  private void expectError(PushSubscriber subscriber, Class<?> type, String what) {
    PushSubscriber.Ending ending =
        kit.await(what + ": the end of its subscription", subscriber.ended());
    if (ending.completed() || !type.isInstance(ending.error())) {
      throw new AssertionFailedError(
          what
              + " must get onError("
              + type.getSimpleName()
              + "), got "
              + (ending.completed() ? "onComplete" : "onError(" + ending.error() + ")"),
          ending.error());
    }
    assertEquals(0, subscriber.receivedCount(), what + ": messages pushed");
    subscriber.assertNoViolations();
  }
}
