package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.Delivery;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerNotFoundException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Closing connections, listeners and providers, and what must fail afterwards. */
final class CloseScenarios {
  static final int BEFORE_CLOSE_COUNT = 50;

  private final Kit kit;

  CloseScenarios(Kit kit) {
    this.kit = kit;
  }

  void pendingRecvFailsWhenPeerCloses() {
    ConnectedPair pair = kit.pair();
    CompletableFuture<byte[]> pending = pair.accepted().recv();
    pair.dialled().close();
    kit.expectFailure(
        "bob's recv() pending when alice closed", () -> pending, ConnectionClosedException.class);
    expectClosed(pair.accepted(), "bob's connection after alice closed it");
  }

  void messagesSentBeforeCloseAreDelivered() {
    ConnectedPair pair = kit.pair();
    StateRecorder bob = StateRecorder.attach(pair.accepted(), "bob");
    List<Integer> sizes = new ArrayList<>();
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < BEFORE_CLOSE_COUNT; i++) {
      sizes.add(MessageSizes.typical(kit.random(), kit.hooks().maxMessageSize()));
      sends.add(pair.dialled().send(Payloads.of(40, i, sizes.get(i))));
    }
    kit.awaitAll("alice's sends before close", sends);
    pair.dialled().close();
    // Wait until bob's side is closed too: what arrived before must still be receivable.
    kit.await("bob's side reaching CLOSED after alice closed", bob.closed());
    assertFalse(pair.accepted().isConnected(), "bob's isConnected() after alice closed");
    List<byte[]> received =
        kit.received(
            MessageCollector.collect(
                pair.accepted(), BEFORE_CLOSE_COUNT, "bob receiving after the connection closed"));
    MessageAssertions.assertStream(received, 40, sizes, "messages alice sent before closing");
    kit.expectFailure(
        "bob's recv() once the messages sent before close are consumed",
        () -> pair.accepted().recv(),
        ConnectionClosedException.class);
  }

  void sendAndRecvFailAfterLocalClose() {
    ConnectedPair pair = kit.pair();
    P2PConnection alice = pair.dialled();
    CompletableFuture<byte[]> pendingHere = alice.recv();
    CompletableFuture<byte[]> pendingThere = pair.accepted().recv();
    alice.close();
    kit.expectFailure(
        "alice's recv() pending when she closed",
        () -> pendingHere,
        ConnectionClosedException.class);
    kit.expectFailure(
        "bob's recv() pending when alice closed",
        () -> pendingThere,
        ConnectionClosedException.class);
    expectClosed(alice, "alice's connection after close()");
    alice.close(); // close() twice is harmless
    expectClosed(alice, "alice's connection after a second close()");
  }

  void closingListenerFailsAcceptAndRefusesConnects() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    P2PProvider carol = kit.provider("carol");
    P2PListener listener = kit.listen(bob);
    PeerAddress bobAddress = kit.hooks().dialAddress(bob, listener);
    ConnectedPair before = kit.connect(alice, bob, listener);
    CompletableFuture<P2PConnection> pending = listener.accept();
    listener.close();
    kit.expectFailure(
        "accept() pending when the listener closed",
        () -> pending,
        ConnectionClosedException.class);
    kit.expectFailure(
        "accept() on a closed listener", listener::accept, ConnectionClosedException.class);
    kit.expectFailure(
        "connect to a closed listener",
        () -> carol.connect(bobAddress),
        PeerNotFoundException.class,
        ConnectionFailedException.class);
    listener.close(); // close() twice is harmless
    // Connections accepted before stay open.
    new ReliableScenarios(kit).sentinelsArrive(before);
  }

  void closingProviderClosesItsConnectionsAndOperations() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    P2PListener listener = kit.listen(bob);
    ConnectedPair pair = kit.connect(alice, bob, listener);
    StateRecorder atAlice = StateRecorder.attach(pair.dialled(), "alice");
    StateRecorder atBob = StateRecorder.attach(pair.accepted(), "bob");
    CompletableFuture<byte[]> alicePending = pair.dialled().recv();
    CompletableFuture<P2PConnection> acceptPending = listener.accept();

    bob.close();
    kit.expectFailure(
        "alice's recv() pending when bob's provider closed",
        () -> alicePending,
        ConnectionClosedException.class);
    kit.expectFailure(
        "accept() pending when bob's provider closed",
        () -> acceptPending,
        ConnectionClosedException.class);
    kit.await("alice's side reaching CLOSED after bob's provider closed", atAlice.closed());
    kit.await("bob's side reaching CLOSED after bob's provider closed", atBob.closed());
    expectClosed(pair.accepted(), "bob's connection after bob's provider closed");
    expectClosed(pair.dialled(), "alice's connection after bob's provider closed");
    kit.expectFailure(
        "listen() on a closed provider",
        () -> bob.listen(kit.hooks().listenAddress(bob)),
        ConnectionClosedException.class);
    kit.expectFailure(
        "connect(PeerId) on a closed provider",
        () -> bob.connect(alice.localPeerId()),
        ConnectionClosedException.class);
    kit.expectFailure(
        "connect(PeerAddress) on a closed provider",
        () -> bob.connect(PeerAddress.of(alice.localPeerId())),
        ConnectionClosedException.class);
    bob.close(); // close() twice is harmless
    atAlice.assertEndedClosed();
    atBob.assertEndedClosed();
  }

  /** New send and recv calls fail with ConnectionClosedException; the state says CLOSED. */
  private void expectClosed(P2PConnection connection, String what) {
    kit.expectFailure(
        what + ": send()", () -> connection.send(new byte[] {1}), ConnectionClosedException.class);
    kit.expectFailure(
        what + ": UNRELIABLE send()",
        () -> connection.send(new byte[] {1}, Delivery.UNRELIABLE),
        ConnectionClosedException.class);
    kit.expectFailure(what + ": recv()", connection::recv, ConnectionClosedException.class);
    assertFalse(connection.isConnected(), what + ": isConnected()");
  }
}
