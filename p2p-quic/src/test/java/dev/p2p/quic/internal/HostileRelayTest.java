package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.internal.PeerKey;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The relay is untrusted. A relay that tampers with, drops, duplicates, replays or reorders packets
 * can slow a connection down but cannot change or inject a message; a relay that lies about who
 * sent a packet, or delivers a peer's packets to someone else, cannot make anyone pass as that
 * peer: the QUIC/TLS handshake with the pinned key decides who a connection is with.
 */
@ExtendWith(NettyLeakCheck.class)
class HostileRelayTest {
  private static P2PConfig config(HostileRelay relay) {
    return P2PConfig.builder()
        .set("P2P_RELAY_SERVERS", relay.url().toString())
        .set("P2P_RELAY_ONLY", "true")
        .set("P2P_CONNECT_TIMEOUT_MS", "6000")
        .build();
  }

  @Test
  void manglingRelayCannotChangeOrInjectMessages() throws Exception {
    try (HostileRelay relay = new HostileRelay();
        QuicP2PProvider a = QuicP2PProvider.create(config(relay), Ed25519Identity.generate());
        QuicP2PProvider b = QuicP2PProvider.create(config(relay), Ed25519Identity.generate())) {
      relay.mischief.tamper = 0.05;
      relay.mischief.drop = 0.03;
      relay.mischief.duplicate = 0.05;
      relay.mischief.replayOld = 0.05;
      relay.mischief.reorder = 0.1;
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      P2PConnection c = a.connect(b.localPeerId()).get(20, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      assertEquals(b.localPeerId(), c.peerId());
      assertEquals(a.localPeerId(), s.peerId());
      int n = 3000;
      CompletableFuture<Void> receiving =
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < n; i++) {
                  byte[] m = s.recv().orTimeout(30, TimeUnit.SECONDS).join();
                  assertTrue(Arrays.equals(message(i), m), "message " + i + " changed or missing");
                }
              });
      for (int i = 0; i < n; i++) {
        c.send(message(i)).get(30, TimeUnit.SECONDS);
      }
      receiving.get(60, TimeUnit.SECONDS);
      assertTrue(s.recv().getNow(null) == null, "nothing beyond what was sent");
      assertTrue(
          relay.tampered.get() > 10, "the relay tampered with " + relay.tampered + " packets");
    }
  }

  private static byte[] message(int i) {
    byte[] m = new byte[200 + i % 700];
    ByteBuffer.wrap(m).putInt(i);
    Arrays.fill(m, 4, m.length, (byte) i);
    return m;
  }

  /**
   * The relay forwards mallory's packets to bob as if alice had sent them, and bob's answers to
   * mallory: bob must not take the connection at all (the claimed id binds no path, the proven key
   * is not the claimed one), and alice can still reach bob afterwards.
   */
  @Test
  void relayClaimingAnotherSourceBindsNothing() throws Exception {
    try (HostileRelay relay = new HostileRelay();
        QuicP2PProvider alice = QuicP2PProvider.create(config(relay), Ed25519Identity.generate());
        QuicP2PProvider bob = QuicP2PProvider.create(config(relay), Ed25519Identity.generate());
        QuicP2PProvider mallory =
            QuicP2PProvider.create(config(relay), Ed25519Identity.generate())) {
      P2PListener l = bob.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      alice.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS).close();
      // Mallory's packets reach bob as alice's, and bob's answers to "alice" reach mallory: the
      // handshake completes, and proves mallory's key where the relay claimed alice.
      relay.mischief.impersonator = PeerKey.of(mallory.localPeerId());
      relay.mischief.victim = PeerKey.of(alice.localPeerId());
      relay.mischief.redirectFrom = PeerKey.of(alice.localPeerId());
      relay.mischief.redirectTo = PeerKey.of(mallory.localPeerId());
      CompletableFuture<P2PConnection> accepted = l.accept();
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> mallory.connect(bob.localPeerId()).get(20, TimeUnit.SECONDS));
      assertInstanceOf(P2PException.class, e.getCause());
      assertThrows(TimeoutException.class, () -> accepted.get(1, TimeUnit.SECONDS));
      assertFalse(accepted.isDone(), "bob accepted a connection whose source the relay forged");

      relay.mischief.impersonator = null;
      relay.mischief.redirectFrom = null;
      // The lie bound nothing: alice's own packets to bob reach a path of her own.
      P2PConnection c = alice.connect(bob.localPeerId()).get(20, TimeUnit.SECONDS);
      P2PConnection s = accepted.get(10, TimeUnit.SECONDS);
      assertEquals(alice.localPeerId(), s.peerId());
      assertEquals(bob.localPeerId(), c.peerId());
    }
  }

  /**
   * The relay delivers alice's packets for bob to mallory and passes mallory's answers off as
   * bob's: alice's handshake sees mallory's key where bob's is pinned and fails.
   */
  @Test
  void relayCannotPassSomeoneElseOffAsThePeer() throws Exception {
    try (HostileRelay relay = new HostileRelay();
        QuicP2PProvider alice = QuicP2PProvider.create(config(relay), Ed25519Identity.generate());
        QuicP2PProvider bob = QuicP2PProvider.create(config(relay), Ed25519Identity.generate());
        QuicP2PProvider mallory =
            QuicP2PProvider.create(config(relay), Ed25519Identity.generate())) {
      bob.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      P2PListener ml = mallory.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      relay.mischief.redirectFrom = PeerKey.of(bob.localPeerId());
      relay.mischief.redirectTo = PeerKey.of(mallory.localPeerId());
      relay.mischief.impersonator = PeerKey.of(mallory.localPeerId());
      relay.mischief.victim = PeerKey.of(bob.localPeerId());
      ExecutionException e =
          assertThrows(
              ExecutionException.class,
              () -> alice.connect(bob.localPeerId()).get(20, TimeUnit.SECONDS));
      assertInstanceOf(AuthenticationFailedException.class, e.getCause(), e.getCause().toString());
      assertFalse(ml.accept().isDone(), "mallory got no authenticated connection from alice");
    }
  }
}
