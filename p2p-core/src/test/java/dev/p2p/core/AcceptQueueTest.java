package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class AcceptQueueTest {

  @Test
  void anAcceptTimedOutByTheCallerDoesNotTakeTheNextConnection() throws Exception {
    AcceptQueue<String> q = new AcceptQueue<>(8);
    CompletableFuture<String> first = q.accept().orTimeout(10, TimeUnit.MILLISECONDS);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> first.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    CompletableFuture<String> cancelled = q.accept();
    cancelled.cancel(false);
    assertTrue(q.offer("alice"));
    assertEquals("alice", q.accept().get(1, TimeUnit.SECONDS));
  }

  @Test
  void waitingAcceptsGetConnectionsInCallOrder() throws Exception {
    AcceptQueue<String> q = new AcceptQueue<>(8);
    CompletableFuture<String> a = q.accept();
    CompletableFuture<String> b = q.accept();
    q.offer("1");
    q.offer("2");
    assertEquals("1", a.get(1, TimeUnit.SECONDS));
    assertEquals("2", b.get(1, TimeUnit.SECONDS));
  }

  @Test
  void aFullBacklogRefuses() {
    AcceptQueue<String> q = new AcceptQueue<>(2);
    assertTrue(q.offer("1"));
    assertTrue(q.offer("2"));
    assertFalse(q.offer("3"));
    assertEquals(2, q.size());
  }

  @Test
  void closeFailsWaitersAndHandsBackTheUnaccepted() throws Exception {
    AcceptQueue<String> q = new AcceptQueue<>(8);
    CompletableFuture<String> waiting = q.accept();
    assertEquals(List.of(), q.close(() -> new ConnectionClosedException("listener closed")));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> waiting.get(1, TimeUnit.SECONDS));
    assertInstanceOf(ConnectionClosedException.class, e.getCause());
    assertFalse(q.offer("late"));
    assertTrue(q.accept().isCompletedExceptionally());

    AcceptQueue<String> other = new AcceptQueue<>(8);
    other.offer("x");
    assertEquals(List.of("x"), other.close(() -> new ConnectionClosedException("closed")));
    assertEquals(List.of(), other.close(() -> new ConnectionClosedException("again")));
  }
}
