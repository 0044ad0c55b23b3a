package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/** Reliable messages: order, exactly-once, size limits and concurrent senders. */
final class ReliableScenarios {
  /** Messages alice sends bob in the ordering test; bob sends half as many back meanwhile. */
  static final int ORDERED_COUNT = 2000;

  static final int SENDER_THREADS = 4;
  static final int MESSAGES_PER_THREAD = 300;

  /** Stream of the message that must come after everything else a test sent. */
  static final int SENTINEL_STREAM = 9999;

  private final Kit kit;

  ReliableScenarios(Kit kit) {
    this.kit = kit;
  }

  void reliableMessagesArriveInOrderExactlyOnce() {
    ConnectedPair pair = kit.pair();
    int max = kit.hooks().maxMessageSize();
    List<Integer> forth = MessageSizes.withExtremes(kit.random(), ORDERED_COUNT, max);
    List<Integer> back = new ArrayList<>();
    for (int i = 0; i < ORDERED_COUNT / 2; i++) {
      back.add(MessageSizes.typical(kit.random(), Math.min(max, 4096)));
    }
    exchange(pair, forth, back, 10, 11);
    sentinelsArrive(pair);
  }

  /** Sends both lists at once, the two directions interleaved, and checks both arrive exactly. */
  void exchange(ConnectedPair pair, List<Integer> forth, List<Integer> back, int sf, int sb) {
    MessageCollector atBob =
        MessageCollector.collect(pair.accepted(), forth.size(), "bob receiving from alice");
    MessageCollector atAlice =
        MessageCollector.collect(pair.dialled(), back.size(), "alice receiving from bob");
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < Math.max(forth.size(), back.size()); i++) {
      if (i < forth.size()) {
        sends.add(pair.dialled().send(Payloads.of(sf, i, forth.get(i))));
      }
      if (i < back.size()) {
        sends.add(pair.accepted().send(Payloads.of(sb, i, back.get(i))));
      }
    }
    kit.awaitAll("sends of both sides", sends);
    MessageAssertions.assertStream(kit.received(atBob), sf, forth, "alice to bob");
    MessageAssertions.assertStream(kit.received(atAlice), sb, back, "bob to alice");
  }

  /** One more message each way must be the very next one: nothing duplicated at the tail. */
  void sentinelsArrive(ConnectedPair pair) {
    kit.await(
        "alice's send of a last message", pair.dialled().send(Payloads.of(SENTINEL_STREAM, 0, 32)));
    kit.await(
        "bob's send of a last message", pair.accepted().send(Payloads.of(SENTINEL_STREAM, 1, 32)));
    MessageAssertions.assertMessage(
        kit.await("bob's recv of alice's last message", pair.accepted().recv()),
        SENTINEL_STREAM,
        0,
        "bob's next message");
    MessageAssertions.assertMessage(
        kit.await("alice's recv of bob's last message", pair.dialled().recv()),
        SENTINEL_STREAM,
        1,
        "alice's next message");
  }

  void maxSizeLimitIsEnforced() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    int max = kit.hooks().maxMessageSize();
    kit.await("send of exactly maxMessageSize() bytes", alice.send(Payloads.of(20, 0, max)));
    byte[] exact = kit.await("recv of exactly maxMessageSize() bytes", pair.accepted().recv());
    assertEquals(max, exact.length, "length of a message of exactly maxMessageSize()");
    MessageAssertions.assertMessage(exact, 20, 0, "message of exactly maxMessageSize()");

    byte[] tooLarge = Payloads.of(20, 1, max + 1);
    for (Delivery delivery : Delivery.values()) {
      MessageTooLargeException e =
          (MessageTooLargeException)
              kit.expectFailure(
                  delivery + " send of maxMessageSize() + 1 bytes",
                  () -> alice.send(tooLarge, delivery),
                  MessageTooLargeException.class);
      assertEquals(max + 1, e.size(), "MessageTooLargeException.size()");
      if (delivery == Delivery.RELIABLE) {
        assertEquals(max, e.limit(), "MessageTooLargeException.limit() of a RELIABLE send");
      }
    }
    kit.expectFailure(
        "send of maxMessageSize() + 1 bytes from the accepting side",
        () -> pair.accepted().send(tooLarge),
        MessageTooLargeException.class);

    // The refused messages left no trace: the next message arrives and the connection works.
    kit.await("send after the refused ones", alice.send(Payloads.of(20, 2, 100)));
    MessageAssertions.assertMessage(
        kit.await("recv after the refused ones", pair.accepted().recv()),
        20,
        2,
        "first message after the refused ones");
    sentinelsArrive(pair);
  }

  void concurrentSendersKeepPerThreadOrder() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    int max = kit.hooks().maxMessageSize();
    int total = SENDER_THREADS * MESSAGES_PER_THREAD;
    MessageCollector atBob =
        MessageCollector.collect(
            pair.accepted(), total + 1, "bob receiving from " + SENDER_THREADS + " threads");
    List<List<CompletableFuture<Void>>> sends = new ArrayList<>();
    List<Runnable> tasks = new ArrayList<>();
    for (int t = 0; t < SENDER_THREADS; t++) {
      int stream = t;
      SplittableRandom random = kit.random().split();
      List<CompletableFuture<Void>> mine = new ArrayList<>();
      sends.add(mine);
      tasks.add(
          () -> {
            for (int seq = 0; seq < MESSAGES_PER_THREAD; seq++) {
              mine.add(
                  alice.send(Payloads.of(stream, seq, MessageSizes.tagged(random, 2048, max))));
            }
          });
    }
    kit.runConcurrently("sender", tasks);
    // Every thread's sends were issued before this one, so it must arrive last.
    CompletableFuture<Void> last = alice.send(Payloads.of(SENTINEL_STREAM, 0, 32));
    for (List<CompletableFuture<Void>> mine : sends) {
      kit.awaitAll("sends of the sender threads", mine);
    }
    kit.await("send of the last message", last);

    List<byte[]> received = kit.received(atBob);
    int[] next = new int[SENDER_THREADS];
    for (int i = 0; i < total; i++) {
      Payloads.Tag tag = Payloads.tag(received.get(i));
      if (tag == null || tag.stream() < 0 || tag.stream() >= SENDER_THREADS) {
        throw new AssertionError(
            "message " + i + " is not one the threads sent: " + Payloads.describe(received.get(i)));
      }
      assertEquals(
          next[tag.stream()],
          tag.seq(),
          "message " + i + ": thread " + tag.stream() + "'s messages out of order or duplicated");
      next[tag.stream()]++;
    }
    for (int t = 0; t < SENDER_THREADS; t++) {
      assertEquals(MESSAGES_PER_THREAD, next[t], "messages received from thread " + t);
    }
    MessageAssertions.assertMessage(received.get(total), SENTINEL_STREAM, 0, "last message");
  }
}
