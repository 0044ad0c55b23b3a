package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code P2PConnection.messages()}: push delivery with back-pressure on the simulator. */
class PushDeliveryTest {
  private static final int SIZE = 64 * 1024;

  private static SimNetwork network(double loss) {
    return SimNetwork.builder()
        .seed(5)
        .failureRate(0)
        .maxMessageSize(1 << 20)
        .defaultLink(
            LinkConditions.PERFECT
                .withLatency(Duration.ofMillis(10))
                .withJitter(Duration.ofMillis(3))
                .withLoss(loss))
        .build();
  }

  private static List<Integer> range(int from, int to) {
    return IntStream.range(from, to).boxed().toList();
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 7, Long.MAX_VALUE})
  void reliableMessagesComeInOrderExactlyOnceWithinDemand(long batch) {
    SimPair pair = new SimPair(network(0.2));
    RecordingSubscriber s = new RecordingSubscriber(batch).until(500);
    pair.bobFromAlice.messages().subscribe(s);
    for (int i = 0; i < 500; i++) {
      pair.aliceToBob.send(SimPair.message(i, 100));
    }
    pair.net.await(s.reachedTarget);
    pair.net.runUntilIdle();
    assertEquals(range(0, 500), s.indices);
    assertEquals(List.of(), s.violations);
    assertFalse(s.done.isDone());
  }

  @Test
  void messagesThatArrivedBeforeSubscribingComeFirst() {
    SimPair pair = new SimPair(network(0));
    for (int i = 0; i < 10; i++) {
      pair.aliceToBob.send(SimPair.message(i, 10));
    }
    pair.net.runUntilIdle();
    RecordingSubscriber s = new RecordingSubscriber(Long.MAX_VALUE).until(20);
    pair.bobFromAlice.messages().subscribe(s);
    assertEquals(range(0, 10), s.indices, "delivered at once, on the subscribing thread");
    for (int i = 10; i < 20; i++) {
      pair.aliceToBob.send(SimPair.message(i, 10));
    }
    pair.net.await(s.reachedTarget);
    assertEquals(range(0, 20), s.indices);
  }

  /** Nothing beyond demand, memory bounded on both sides by the 4 MiB window, then resumption. */
  @ParameterizedTest
  @ValueSource(doubles = {0, 0.2})
  void aSubscriberThatStopsRequestingStallsTheSenderAndResumes(double loss) {
    SimPair pair = new SimPair(network(loss));
    RecordingSubscriber s = new RecordingSubscriber(0);
    pair.bobFromAlice.messages().subscribe(s);
    s.request(10);
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 200; i++) { // 12.5 MiB, three windows
      sends.add(pair.aliceToBob.send(SimPair.message(i, SIZE)));
    }
    pair.net.runFor(Duration.ofMinutes(1));
    assertEquals(range(0, 10), s.indices, "no message beyond the demand");
    long accepted = sends.stream().filter(CompletableFuture::isDone).count();
    assertTrue(accepted <= 10 + 64, accepted + " sends accepted while the subscriber waits");
    assertTrue(accepted >= 32, "the window should not shut to nothing: " + accepted);
    long window = 4L << 20;
    assertTrue(pair.aliceToBob.stats().bytesSent() <= window + 10L * SIZE, "sender bounded");
    assertTrue(
        pair.bobFromAlice.stats().bytesReceived() <= window + 10L * SIZE, "receiver bounded");

    s.until(200);
    s.request(Long.MAX_VALUE);
    pair.net.await(s.reachedTarget);
    assertEquals(range(0, 200), s.indices);
    pair.net.await(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)));
    assertEquals(List.of(), s.violations);
  }

  @Test
  void requestInsideOnNextDoesNotRecurse() {
    SimPair pair = new SimPair(network(0));
    int count = 100_000; // recursion one frame per message would overflow the stack
    for (int i = 0; i < count; i++) {
      pair.aliceToBob.send(SimPair.message(i, 4));
    }
    pair.net.runUntilIdle();
    RecordingSubscriber s = new RecordingSubscriber(1).until(count);
    pair.bobFromAlice.messages().subscribe(s);
    pair.net.await(s.reachedTarget);
    assertEquals(count, s.indices.size());
    assertEquals(List.of(), s.violations);
  }

  @Test
  void onCompleteFollowsAGracefulCloseByThePeerAfterAllItsMessages() {
    SimPair pair = new SimPair(network(0.2));
    RecordingSubscriber s = new RecordingSubscriber(3);
    pair.bobFromAlice.messages().subscribe(s);
    for (int i = 0; i < 100; i++) {
      pair.aliceToBob.send(SimPair.message(i, 1000));
    }
    pair.aliceToBob.close();
    pair.net.await(s.done);
    assertTrue(s.completed, "onComplete, not onError: " + s.error);
    assertEquals(range(0, 100), s.indices);
    assertEquals(List.of(), s.violations);
  }

  @Test
  void onErrorWhenThePeerVanishes() {
    SimPair pair = new SimPair(network(0));
    RecordingSubscriber s = new RecordingSubscriber(Long.MAX_VALUE);
    pair.bobFromAlice.messages().subscribe(s);
    pair.aliceToBob.send(SimPair.message(0, 10));
    pair.net.runUntilIdle();
    pair.net.crash(pair.alice.localPeerId());
    pair.net.await(s.done);
    assertInstanceOf(ConnectionClosedException.class, s.error);
    assertTrue(s.error.getMessage().contains("idle timeout"), s.error.getMessage());
    assertEquals(List.of(0), s.indices);
  }

  @Test
  void onErrorAfterALocalClose() {
    SimPair pair = new SimPair(network(0));
    RecordingSubscriber s = new RecordingSubscriber(Long.MAX_VALUE);
    pair.bobFromAlice.messages().subscribe(s);
    pair.bobFromAlice.close();
    pair.net.await(s.done);
    assertInstanceOf(ConnectionClosedException.class, s.error);
  }

  @Test
  void cancelClosesTheConnection() {
    SimPair pair = new SimPair(network(0));
    RecordingSubscriber s = new RecordingSubscriber(Long.MAX_VALUE);
    pair.bobFromAlice.messages().subscribe(s);
    CompletableFuture<byte[]> aliceReads = pair.aliceToBob.recv();
    s.subscription.cancel();
    assertThrows(ConnectionClosedException.class, () -> pair.net.await(aliceReads));
    pair.net.runUntilIdle();
    assertEquals(ConnectionState.CLOSED, pair.bobFromAlice.state());
    assertFalse(s.done.isDone(), "no signal after cancel");
  }

  @Test
  void nonPositiveRequestIsAnIllegalArgumentAndEndsTheSubscription() {
    SimPair pair = new SimPair(network(0));
    RecordingSubscriber s = new RecordingSubscriber(0);
    pair.bobFromAlice.messages().subscribe(s);
    s.subscription.request(0);
    pair.net.await(s.done);
    assertInstanceOf(IllegalArgumentException.class, s.error);
    pair.net.runUntilIdle();
    assertEquals(ConnectionState.CLOSED, pair.bobFromAlice.state());
  }

  @Test
  void aConnectionHasOneConsumer() {
    SimPair pair = new SimPair(network(0));
    P2PConnection bob = pair.bobFromAlice;
    // recv pending -> a subscriber is refused
    CompletableFuture<byte[]> pending = bob.recv();
    RecordingSubscriber refused = new RecordingSubscriber(1);
    bob.messages().subscribe(refused);
    pair.net.await(refused.done);
    assertTrue(refused.subscribed.isDone(), "onSubscribe comes first");
    assertInstanceOf(IllegalStateException.class, refused.error);
    // a recv the caller gave up on does not count
    pending.completeExceptionally(new TimeoutException("caller timed out"));
    RecordingSubscriber s = new RecordingSubscriber(Long.MAX_VALUE);
    bob.messages().subscribe(s);
    assertNull(s.error);
    // subscribed -> recv fails, a second subscriber is refused
    assertThrows(IllegalStateException.class, () -> pair.net.await(bob.recv()));
    RecordingSubscriber second = new RecordingSubscriber(1);
    bob.messages().subscribe(second);
    pair.net.await(second.done);
    assertInstanceOf(IllegalStateException.class, second.error);
    // and the first still gets the messages
    pair.aliceToBob.send(SimPair.message(7, 10));
    pair.net.runUntilIdle();
    assertEquals(List.of(7), s.indices);
  }

  @Test
  void onARealTimeNetworkCallbacksRunOnTheClockThread() throws Exception {
    try (SimNetwork net =
        SimNetwork.builder()
            .realTime(true)
            .failureRate(0)
            .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(1)))
            .build()) {
      var alice = net.newPeer("alice");
      var bob = net.newPeer("bob");
      var listener = bob.listen("x").get(5, java.util.concurrent.TimeUnit.SECONDS);
      var toBob = alice.connect(bob.localPeerId()).get(5, java.util.concurrent.TimeUnit.SECONDS);
      var fromAlice = listener.accept().get(5, java.util.concurrent.TimeUnit.SECONDS);
      RecordingSubscriber s = new RecordingSubscriber(2).until(20);
      fromAlice.messages().subscribe(s);
      for (int i = 0; i < 20; i++) {
        toBob.send(SimPair.message(i, 10));
      }
      s.reachedTarget.get(5, java.util.concurrent.TimeUnit.SECONDS); // happens-before: the lists
      assertEquals(range(0, 20), s.indices);
      assertTrue(s.threads.stream().allMatch("p2p-simulator-clock"::equals), s.threads.toString());
    }
  }
}
