package dev.p2p.simulator.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.simulator.LinkConditions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A recv or accept the caller timed out ({@code orTimeout}) or cancelled gives its place up: the
 * next message or connection goes to the next caller, and a quiet connection polled that way keeps
 * a bounded number of dead futures.
 */
class TimedOutReadersTest {
  private static SimSettings settings() {
    SimSettings.Mutable m = SimSettings.defaults().toMutable();
    m.failureRate = 0;
    m.defaultLink = LinkConditions.PERFECT.withLatency(Duration.ofMillis(5));
    return m.build();
  }

  @Test
  void aTimedOutRecvDoesNotSwallowTheNextMessageAndDeadReadersStayBounded() {
    SimCore core = new SimCore(settings());
    P2PProvider alice = core.topology().newPeer("alice", dev.p2p.simulator.NatType.OPEN);
    P2PProvider bob = core.topology().newPeer("bob", dev.p2p.simulator.NatType.OPEN);
    SimListener listener = (SimListener) core.await(bob.listen("x"), Duration.ofMinutes(1));
    P2PConnection toBob = core.await(alice.connect(bob.localPeerId()), Duration.ofMinutes(1));
    SimConnection fromAlice = (SimConnection) core.await(listener.accept(), Duration.ofMinutes(1));

    CompletableFuture<byte[]> timedOut = fromAlice.recv().orTimeout(1, TimeUnit.MILLISECONDS);
    assertThrows(CompletionException.class, timedOut::join); // the JDK's timer, a bounded wait
    CompletableFuture<byte[]> patient = fromAlice.recv(); // a live reader ahead of the dead ones
    for (int i = 0; i < 100_000; i++) {
      fromAlice.recv().cancel(false); // a caller polling a quiet connection
    }
    assertTrue(fromAlice.heldReaders() <= 200, fromAlice.heldReaders() + " dead readers held");

    toBob.send(new byte[] {42});
    toBob.send(new byte[] {43});
    assertArrayEquals(new byte[] {42}, core.await(patient, Duration.ofMinutes(1)));
    assertArrayEquals(new byte[] {43}, core.await(fromAlice.recv(), Duration.ofMinutes(1)));
  }

  @Test
  void aTimedOutAcceptDoesNotSwallowTheNextConnectionAndDeadAcceptsStayBounded() {
    SimCore core = new SimCore(settings());
    P2PProvider alice = core.topology().newPeer("alice", dev.p2p.simulator.NatType.OPEN);
    P2PProvider bob = core.topology().newPeer("bob", dev.p2p.simulator.NatType.OPEN);
    SimListener listener = (SimListener) core.await(bob.listen("x"), Duration.ofMinutes(1));
    CompletableFuture<P2PConnection> timedOut =
        listener.accept().orTimeout(1, TimeUnit.MILLISECONDS);
    assertThrows(CompletionException.class, timedOut::join);
    CompletableFuture<P2PConnection> patient = listener.accept();
    for (int i = 0; i < 100_000; i++) {
      listener.accept().cancel(false);
    }
    assertTrue(listener.heldAccepts() <= 200, listener.heldAccepts() + " dead accepts held");
    P2PConnection toBob = core.await(alice.connect(bob.localPeerId()), Duration.ofMinutes(1));
    P2PConnection fromAlice = core.await(patient, Duration.ofMinutes(1));
    toBob.send(new byte[] {7});
    assertArrayEquals(new byte[] {7}, core.await(fromAlice.recv(), Duration.ofMinutes(1)));
  }
}
