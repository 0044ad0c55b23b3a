package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import dev.p2p.api.ConnectionClosedException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InboxTest {

  /** Records the hooks; reading through wantsMore() as a transport would. */
  static final class RecordingTransport implements Inbox.Transport {
    Inbox inbox;
    final List<Boolean> readability = new ArrayList<>();
    int cancelled;

    @Override
    public void readabilityChanged() {
      readability.add(inbox.wantsMore());
    }

    @Override
    public void consumerCancelled() {
      cancelled++;
    }
  }

  static Inbox inbox(long highWater, RecordingTransport t) {
    Inbox inbox = new Inbox(highWater, t);
    t.inbox = inbox;
    return inbox;
  }

  static byte[] message(int n) {
    return ByteBuffer.allocate(8).putInt(n).putInt(n * 31).array();
  }

  static int number(byte[] m) {
    return ByteBuffer.wrap(m).getInt();
  }

  static ConnectionClosedException closed() {
    return new ConnectionClosedException("closed for the test");
  }

  /**
   * Any mix of arrivals, recv calls and caller-side timeouts: every message reaches exactly one
   * recv that the caller did not give up on, in order, and none is lost.
   */
  @Test
  void timedOutReadersNeverSwallowAMessage() throws Exception {
    // 0 = a message arrives, 1 = recv, 2 = the caller times out its oldest pending recv
    qt().withExamples(300)
        .forAll(lists().of(integers().between(0, 2)).ofSizeBetween(0, 200))
        .checkAssert(
            ops -> {
              Inbox inbox = inbox(1 << 20, new RecordingTransport());
              List<CompletableFuture<byte[]>> calls = new ArrayList<>();
              int sent = 0;
              for (int op : ops) {
                if (op == 0) {
                  assertTrue(inbox.offer(message(sent++), true));
                } else if (op == 1) {
                  calls.add(inbox.recv());
                } else {
                  calls.stream()
                      .filter(f -> !f.isDone())
                      .findFirst()
                      .ifPresent(f -> f.completeExceptionally(new TimeoutException()));
                }
              }
              inbox.fail(InboxTest::closed);
              List<Integer> got = new ArrayList<>();
              for (CompletableFuture<byte[]> f : calls) {
                assertTrue(f.isDone(), "a pending recv survived the close");
                if (!f.isCompletedExceptionally()) {
                  got.add(number(f.getNow(null)));
                }
              }
              CompletableFuture<byte[]> rest;
              while (!(rest = inbox.recv()).isCompletedExceptionally()) {
                got.add(number(rest.getNow(null)));
              }
              List<Integer> expected = new ArrayList<>();
              for (int i = 0; i < sent; i++) {
                expected.add(i);
              }
              assertEquals(expected, got);
            });
  }

  @Test
  void aRecvTimedOutByOrTimeoutDoesNotTakeTheNextMessage() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    CompletableFuture<byte[]> first = inbox.recv().orTimeout(10, TimeUnit.MILLISECONDS);
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> first.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    inbox.offer(message(7), true);
    assertEquals(7, number(inbox.recv().get(1, TimeUnit.SECONDS)));
  }

  @Test
  void quietConnectionPolledWithTimeoutsHoldsBoundedReaders() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    Waiters<byte[]> probe = new Waiters<>();
    for (int i = 0; i < 100_000; i++) {
      inbox.recv().completeExceptionally(new TimeoutException());
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      probe.add(f);
      f.cancel(false);
    }
    assertTrue(probe.size() <= 32, "done waiters are purged, held " + probe.size());
    inbox.offer(message(1), true);
    assertEquals(1, number(inbox.recv().get(5, TimeUnit.SECONDS)));
  }

  @Test
  void messagesQueuedBeforeAnEndAreStillReadThenRecvFails() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    inbox.offer(message(1), true);
    inbox.offer(message(2), true);
    inbox.complete(InboxTest::closed);
    assertFalse(inbox.offer(message(3), true), "nothing is taken after the end");
    assertEquals(1, number(inbox.recv().get(5, TimeUnit.SECONDS)));
    assertEquals(2, number(inbox.recv().get(5, TimeUnit.SECONDS)));
    assertTrue(inbox.recv().isCompletedExceptionally());
  }

  @Test
  void pendingRecvFailsWhenTheConnectionEnds() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    CompletableFuture<byte[]> pending = inbox.recv();
    inbox.fail(InboxTest::closed);
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, pending::get);
    assertInstanceOf(ConnectionClosedException.class, e.getCause());
  }

  @Test
  void readingStopsAboveHighWaterAndResumesAtHalf() throws Exception {
    RecordingTransport t = new RecordingTransport();
    Inbox inbox = inbox(100, t);
    for (int i = 0; i < 12; i++) {
      inbox.offer(new byte[10], true); // 120 bytes unread
    }
    assertEquals(List.of(false), t.readability);
    assertEquals(120, inbox.unreadBytes());
    for (int i = 0; i < 6; i++) {
      inbox.recv().get(5, TimeUnit.SECONDS); // 60 left: still above half
    }
    assertEquals(List.of(false), t.readability);
    inbox.recv().get(5, TimeUnit.SECONDS); // 50: half
    assertEquals(List.of(false, true), t.readability);
    assertTrue(inbox.wantsMore());
  }

  @Test
  void unreliableMessagesAreDroppedWhenTheBufferIsFullReliableOnesNever() throws Exception {
    Inbox inbox = inbox(100, new RecordingTransport());
    for (int i = 0; i < 10; i++) {
      assertTrue(inbox.offer(new byte[10], false));
    }
    assertFalse(inbox.offer(new byte[1], false));
    assertEquals(1, inbox.droppedUnreliable());
    assertTrue(inbox.offer(new byte[50], true));
    assertEquals(150, inbox.unreadBytes());
  }

  // ---- push delivery ----

  /** A subscriber that requests in random steps, sometimes from inside onNext. */
  static final class StepSubscriber implements Flow.Subscriber<byte[]> {
    final List<Integer> got = new ArrayList<>();
    Flow.Subscription subscription;
    long granted;
    long received;
    int completes;
    Throwable error;
    final int[] steps;
    int step;
    boolean inOnNext;

    StepSubscriber(int[] steps) {
      this.steps = steps;
    }

    void requestNext() {
      long n = steps.length == 0 ? 1 : 1 + steps[step++ % steps.length];
      granted += n;
      subscription.request(n);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
    }

    @Override
    public void onNext(byte[] item) {
      assertFalse(inOnNext, "onNext re-entered");
      inOnNext = true;
      received++;
      assertTrue(received <= granted, "onNext ran ahead of demand");
      got.add(number(item));
      if (received == granted && step % 2 == 0) {
        requestNext(); // re-entrant request
      }
      inOnNext = false;
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onComplete() {
      completes++;
    }
  }

  @Test
  void subscriberGetsEveryMessageInOrderNeverBeyondDemandThenComplete() throws Exception {
    qt().withExamples(200)
        .forAll(
            lists().of(integers().between(0, 3)).ofSizeBetween(1, 120),
            lists().of(integers().between(0, 4)).ofSizeBetween(1, 8))
        .checkAssert(
            (ops, stepList) -> {
              Inbox inbox = inbox(1 << 20, new RecordingTransport());
              int sent = 0;
              int preSubscribe = ops.get(0);
              for (int i = 0; i < preSubscribe; i++) {
                inbox.offer(message(sent++), true);
              }
              StepSubscriber s = new StepSubscriber(stepList.stream().mapToInt(x -> x).toArray());
              inbox.subscribe(s);
              for (int op : ops) {
                if (op == 0 && s.received == s.granted) {
                  s.requestNext();
                } else {
                  inbox.offer(message(sent++), true);
                }
              }
              inbox.complete(InboxTest::closed);
              if (s.received < sent) {
                assertEquals(0, s.completes, "onComplete before the queued messages");
              }
              while (s.received < sent) {
                s.requestNext();
              }
              List<Integer> expected = new ArrayList<>();
              for (int i = 0; i < sent; i++) {
                expected.add(i);
              }
              assertEquals(expected, s.got);
              assertEquals(1, s.completes);
              assertNull(s.error);
            });
  }

  @Test
  void aSubscriberThatStopsRequestingStopsTheTransportAndResumesIt() throws Exception {
    RecordingTransport t = new RecordingTransport();
    Inbox inbox = inbox(100, t);
    StepSubscriber s = new StepSubscriber(new int[] {0});
    inbox.subscribe(s);
    for (int i = 0; i < 20; i++) {
      inbox.offer(message(i), true); // 8 bytes each, nobody requested
    }
    assertEquals(0, s.received);
    assertEquals(List.of(false), t.readability);
    s.granted += 20;
    s.subscription.request(20);
    assertEquals(20, s.received);
    assertEquals(List.of(false, true), t.readability);
  }

  @Test
  void failureReachesTheSubscriberAsOnErrorAfterQueuedMessages() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    StepSubscriber s = new StepSubscriber(new int[] {0});
    inbox.subscribe(s);
    inbox.offer(message(1), true);
    inbox.fail(InboxTest::closed);
    assertNull(s.error, "the queued message comes first");
    s.requestNext();
    assertEquals(List.of(1), s.got);
    assertInstanceOf(ConnectionClosedException.class, s.error);
    assertEquals(0, s.completes);
  }

  @Test
  void oneConsumer() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    StepSubscriber first = new StepSubscriber(new int[] {0});
    inbox.subscribe(first);
    assertInstanceOf(IllegalStateException.class, failure(inbox.recv()));
    StepSubscriber second = new StepSubscriber(new int[] {0});
    inbox.subscribe(second);
    assertInstanceOf(IllegalStateException.class, second.error);
    assertNull(first.error);

    Inbox other = inbox(1 << 20, new RecordingTransport());
    CompletableFuture<byte[]> pending = other.recv();
    StepSubscriber late = new StepSubscriber(new int[] {0});
    other.subscribe(late);
    assertInstanceOf(IllegalStateException.class, late.error);
    pending.cancel(false);
    StepSubscriber afterCancel = new StepSubscriber(new int[] {0});
    other.subscribe(afterCancel);
    assertNull(afterCancel.error, "a recv the caller gave up on does not block subscribing");
  }

  @Test
  void nonPositiveRequestIsAnErrorAndCancels() throws Exception {
    RecordingTransport t = new RecordingTransport();
    Inbox inbox = inbox(1 << 20, t);
    StepSubscriber s = new StepSubscriber(new int[] {0});
    inbox.subscribe(s);
    s.subscription.request(0);
    assertInstanceOf(IllegalArgumentException.class, s.error);
    assertEquals(1, t.cancelled);
    inbox.offer(message(1), true);
    assertEquals(0, s.received);
  }

  @Test
  void cancellingTellsTheTransportOnce() throws Exception {
    RecordingTransport t = new RecordingTransport();
    Inbox inbox = inbox(1 << 20, t);
    StepSubscriber s = new StepSubscriber(new int[] {0});
    inbox.subscribe(s);
    s.subscription.cancel();
    s.subscription.cancel();
    assertEquals(1, t.cancelled);
  }

  @Test
  void aThrowingSubscriberIsCancelled() throws Exception {
    RecordingTransport t = new RecordingTransport();
    Inbox inbox = inbox(1 << 20, t);
    AtomicInteger calls = new AtomicInteger();
    inbox.subscribe(
        new Flow.Subscriber<>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(10);
          }

          @Override
          public void onNext(byte[] item) {
            calls.incrementAndGet();
            throw new IllegalStateException("application bug");
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onComplete() {}
        });
    inbox.offer(message(1), true);
    inbox.offer(message(2), true);
    assertEquals(1, calls.get());
    assertEquals(1, t.cancelled);
  }

  /** Two threads, one offering and one receiving with tiny timeouts: exactly once, in order. */
  @Test
  void concurrentTimeoutsNeverLoseOrDuplicate() throws Exception {
    Inbox inbox = inbox(1 << 30, new RecordingTransport());
    int count = 20_000;
    Thread producer =
        new Thread(
            () -> {
              for (int i = 0; i < count; i++) {
                inbox.offer(message(i), true);
              }
            });
    producer.start();
    List<Integer> got = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (got.size() < count && System.nanoTime() < deadline) {
      CompletableFuture<byte[]> f = inbox.recv();
      if (got.size() % 3 == 0) {
        f.completeExceptionally(new TimeoutException()); // the caller gave up at once
      }
      try {
        got.add(number(f.get(1, TimeUnit.SECONDS)));
      } catch (ExecutionException | TimeoutException e) {
        // given up or nothing yet: ask again
      }
    }
    producer.join(10_000);
    for (int i = 0; i < count; i++) {
      assertEquals(i, got.get(i));
    }
    assertEquals(count, got.size());
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(1, TimeUnit.SECONDS);
      throw new AssertionError("expected a failure");
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void payloadIsHandedOverAsIs() throws Exception {
    Inbox inbox = inbox(1 << 20, new RecordingTransport());
    byte[] m = {1, 2, 3};
    inbox.offer(m, true);
    assertArrayEquals(m, inbox.recv().get(5, TimeUnit.SECONDS));
  }
}
