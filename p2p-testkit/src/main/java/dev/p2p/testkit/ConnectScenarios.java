package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import java.util.List;
import java.util.Optional;

/** Dialling, accepting, and dialling peers that cannot be reached. */
final class ConnectScenarios {
  private final Kit kit;

  ConnectScenarios(Kit kit) {
    this.kit = kit;
  }

  void connectAndAcceptBothWays() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    checkConnected(kit.connect(alice, bob), "alice dials bob");
    checkConnected(kit.connect(bob, alice), "bob dials alice");
  }

  void connectByPeerIdReachesListeningPeer() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    var listener = kit.listen(bob);
    var accepted = listener.accept();
    var dialled =
        kit.track(kit.await("alice's connect(bob's PeerId)", alice.connect(bob.localPeerId())));
    var in = kit.track(kit.await("bob's accept()", accepted));
    checkConnected(
        new ConnectedPair(alice, bob, listener, dialled, in), "alice dials bob by PeerId");
  }

  void listenerTicketDials() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    var listener = kit.listen(bob);
    PeerAddress own = listener.peerAddress();
    assertEquals(
        bob.localPeerId(), own.peerId(), "the listener's peerAddress() names its provider");
    String ticket = own.toTicket();
    assertEquals(own, PeerAddress.parseTicket(ticket), "the ticket round-trips");
    var accepted = listener.accept();
    var dialled =
        kit.track(
            kit.await(
                "alice's connect(bob's ticket)", alice.connect(PeerAddress.parseTicket(ticket))));
    var in = kit.track(kit.await("bob's accept()", accepted));
    checkConnected(
        new ConnectedPair(alice, bob, listener, dialled, in), "alice dials bob's ticket");
  }

  void connectToNonListeningPeerFails() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider carol = kit.provider("carol");
    PeerAddress address = kit.hooks().nonListeningAddress(carol);
    kit.expectFailure(
        "connect to a peer that does not listen (" + address + ")",
        () -> alice.connect(address),
        List.of(
            ConnectionFailedException.class,
            PeerNotFoundException.class,
            P2PTimeoutException.class));
    // A failed dial must not poison the provider.
    checkConnected(kit.connect(alice, kit.provider("bob")), "alice dials bob after a failed dial");
  }

  void connectToUnknownPeerIdFails() {
    P2PProvider alice = kit.provider("alice");
    PeerId stranger = randomPeerId();
    kit.expectFailure(
        "connect(PeerId) to an id no provider has",
        () -> alice.connect(stranger),
        PeerNotFoundException.class);
    kit.expectFailure(
        "connect(PeerAddress.of(id)) to an id no provider has",
        () -> alice.connect(PeerAddress.of(stranger)),
        PeerNotFoundException.class);
  }

  void connectThatTimesOutFailsWithP2PTimeoutException() {
    P2PProvider alice = kit.provider("alice");
    Optional<PeerAddress> silent = kit.hooks().unresponsiveAddress(alice);
    assumeTrue(silent.isPresent(), "unresponsiveAddress() gives no address for this provider");
    kit.expectFailure(
        "connect to an address where nothing answers (" + silent.get() + ")",
        () -> alice.connect(silent.get()),
        P2PTimeoutException.class);
    checkConnected(
        kit.connect(alice, kit.provider("bob")), "alice dials bob after a timed-out dial");
  }

  void listeningTwiceFailsWithIllegalStateException() {
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    P2PListener first = kit.listen(bob);
    kit.expectFailure(
        "a second listen() while the first listener is open",
        () -> kit.trackIfListener(bob.listen(kit.hooks().listenAddress(bob))),
        IllegalStateException.class);
    checkConnected(kit.connect(alice, bob, first), "the first listener after a refused listen()");
    first.close();
    P2PListener second = kit.listen(bob);
    checkConnected(kit.connect(alice, bob, second), "a listener opened after closing the first");
  }

  private PeerId randomPeerId() {
    byte[] key = new byte[PeerId.KEY_LENGTH];
    kit.random().nextBytes(key);
    return PeerId.fromPublicKey(key);
  }

  private void checkConnected(ConnectedPair pair, String what) {
    assertEquals(
        pair.acceptor().localPeerId(),
        pair.dialled().peerId(),
        what + ": the dialler's connection peerId() must be the listener's id");
    assertEquals(
        pair.dialler().localPeerId(),
        pair.accepted().peerId(),
        what + ": the accepted connection's peerId() must be the dialler's id");
    assertTrue(pair.dialled().isConnected(), what + ": dialled connection isConnected()");
    assertTrue(pair.accepted().isConnected(), what + ": accepted connection isConnected()");
    kit.await(what + ": dialler's send", pair.dialled().send(Payloads.of(1, 0, 100)));
    kit.await(what + ": acceptor's send", pair.accepted().send(Payloads.of(2, 0, 100)));
    MessageAssertions.assertMessage(
        kit.await(what + ": acceptor's recv", pair.accepted().recv()), 1, 0, what + ", forth");
    MessageAssertions.assertMessage(
        kit.await(what + ": dialler's recv", pair.dialled().recv()), 2, 0, what + ", back");
  }
}
