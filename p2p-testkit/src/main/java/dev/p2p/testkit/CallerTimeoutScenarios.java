package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A caller that gives up on a {@code recv} or {@code accept} ({@code orTimeout}, {@code cancel})
 * must not lose what the provider would have handed that future. The kit fails the futures itself
 * with {@code completeExceptionally(new TimeoutException())}, exactly what {@code orTimeout} does,
 * so a virtual-time provider meets the same situation without a wall-clock timer.
 */
final class CallerTimeoutScenarios {
  private static final int STREAM = 60;
  private static final int LATER = 20;

  private final Kit kit;

  CallerTimeoutScenarios(Kit kit) {
    this.kit = kit;
  }

  void recvTimedOutByCallerDoesNotSwallowNextMessage() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    P2PConnection bob = pair.accepted();

    // Two readers give up before anything arrives: one times out, one cancels.
    timeOut(bob.recv());
    bob.recv().cancel(false);
    kit.await("alice's send of message 0", alice.send(Payloads.of(STREAM, 0, 100)));
    kit.await("alice's send of message 1", alice.send(Payloads.of(STREAM, 1, 100)));
    MessageAssertions.assertMessage(
        kit.await("bob's recv() after a timed-out and a cancelled one", bob.recv()),
        STREAM,
        0,
        "the message after two abandoned recv() calls (it must not go to them)");
    MessageAssertions.assertMessage(
        kit.await("bob's next recv()", bob.recv()), STREAM, 1, "bob's next message");

    // The race of a real orTimeout: the message and the caller's timeout arrive together. Whoever
    // wins, the message is received exactly once.
    CompletableFuture<byte[]> racing = bob.recv();
    CompletableFuture<Void> sent = alice.send(Payloads.of(STREAM, 2, 100));
    boolean timedOut = timeOut(racing);
    kit.await("alice's send of message 2", sent);
    if (timedOut) {
      MessageAssertions.assertMessage(
          kit.await("bob's recv() after the one that timed out racing message 2", bob.recv()),
          STREAM,
          2,
          "message 2, whose first reader timed out");
    } else {
      MessageAssertions.assertMessage(racing.join(), STREAM, 2, "message 2 before the timeout");
    }

    // Nothing lost or duplicated afterwards.
    List<Integer> sizes = new ArrayList<>();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < LATER; i++) {
      sizes.add(100);
    }
    MessageCollector atBob = MessageCollector.collect(bob, LATER, "bob receiving what followed");
    for (int i = 0; i < LATER; i++) {
      sends.add(alice.send(Payloads.of(STREAM + 1, i, sizes.get(i))));
    }
    kit.awaitAll("alice's later sends", sends);
    MessageAssertions.assertStream(kit.received(atBob), STREAM + 1, sizes, "later messages");
    new ReliableScenarios(kit).sentinelsArrive(pair);
  }

  void acceptTimedOutByCallerDoesNotSwallowNextConnection() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    P2PProvider carol = kit.provider("carol");
    P2PListener listener = kit.listen(bob);
    PeerAddress address = kit.hooks().dialAddress(bob, listener);

    // Pending accepts abandoned before the connection arrives.
    timeOut(listener.accept());
    listener.accept().cancel(false);
    CompletableFuture<P2PConnection> third = listener.accept();
    P2PConnection dialled = kit.track(kit.await("alice's connect", alice.connect(address)));
    P2PConnection accepted =
        kit.track(kit.await("the accept() after a timed-out and a cancelled one", third));
    assertEquals(alice.localPeerId(), accepted.peerId(), "the connection accepted is alice's");
    new ReliableScenarios(kit)
        .sentinelsArrive(new ConnectedPair(alice, bob, listener, dialled, accepted));

    // An accept abandoned while no connection was there; the next connection waits for the next
    // accept() call instead of going to the abandoned future.
    timeOut(listener.accept());
    P2PConnection fromCarol = kit.track(kit.await("carol's connect", carol.connect(address)));
    P2PConnection atBob =
        kit.track(kit.await("an accept() called after carol connected", listener.accept()));
    assertEquals(carol.localPeerId(), atBob.peerId(), "the connection accepted is carol's");
    new ReliableScenarios(kit)
        .sentinelsArrive(new ConnectedPair(carol, bob, listener, fromCarol, atBob));
  }

  /** What {@code orTimeout} does when it fires; true if the future had not completed yet. */
  private static boolean timeOut(CompletableFuture<?> future) {
    return future.completeExceptionally(new TimeoutException("the caller's timeout"));
  }
}
