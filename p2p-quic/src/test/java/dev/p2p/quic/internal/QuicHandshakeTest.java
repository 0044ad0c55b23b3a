package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import java.net.InetSocketAddress;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakCheck.class)
class QuicHandshakeTest {
  private QuicP2PProvider a;
  private QuicP2PProvider b;

  @AfterEach
  void closeAll() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
  }

  private static PeerAddress addressOf(QuicP2PProvider p, P2PListener l) {
    return PeerAddress.of(p.localPeerId(), List.of((InetSocketAddress) parse(l.localAddr())));
  }

  private static InetSocketAddress parse(String hostPort) {
    return QuicP2PProvider.parseListenAddress(hostPort);
  }

  /**
   * The exact key path: an Ed25519 key made by the JDK provider, PKCS#8 v1 encoded, in a
   * certificate built by Bouncy Castle, presented by both sides through BoringSSL. A wrong encoding
   * crashed the JVM in a trial, so this test would not even fail cleanly.
   */
  @Test
  void jdkEncodedEd25519KeysAuthenticateBothSidesThroughBoringSsl() throws Exception {
    Ed25519Identity ida =
        Ed25519Identity.of(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
    assertEquals(48, ida.privateKey().getEncoded().length, "PKCS#8 v1 from the JDK");
    a = QuicP2PProvider.create(P2PConfig.empty(), ida);
    b = QuicP2PProvider.create(P2PConfig.empty(), Ed25519Identity.generate());
    P2PListener listener = b.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS);

    P2PConnection dialled = a.connect(addressOf(b, listener)).get(10, TimeUnit.SECONDS);
    P2PConnection accepted = listener.accept().get(10, TimeUnit.SECONDS);

    assertEquals(b.localPeerId(), dialled.peerId());
    assertEquals(a.localPeerId(), accepted.peerId(), "listener learns the dialler from its cert");
    assertEquals(ConnectionState.CONNECTED, dialled.state());
    dialled.send("hello".getBytes()).get(5, TimeUnit.SECONDS);
    assertArrayEquals("hello".getBytes(), accepted.recv().get(5, TimeUnit.SECONDS));
    accepted.send("back".getBytes()).get(5, TimeUnit.SECONDS);
    assertArrayEquals("back".getBytes(), dialled.recv().get(5, TimeUnit.SECONDS));
    assertTrue(dialled.stats().rtt().toNanos() > 0);
  }

  @Test
  void aPeerAnsweringWithAnotherKeyFailsWithAuthenticationFailed() throws Exception {
    a = QuicP2PProvider.create(P2PConfig.empty(), Ed25519Identity.generate());
    b = QuicP2PProvider.create(P2PConfig.empty(), Ed25519Identity.generate());
    P2PListener listener = b.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS);
    Ed25519Identity someoneElse = Ed25519Identity.generate();
    PeerAddress wrong = PeerAddress.of(someoneElse.peerId(), List.of(parse(listener.localAddr())));

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> a.connect(wrong).get(10, TimeUnit.SECONDS));
    assertInstanceOf(AuthenticationFailedException.class, e.getCause(), e.getCause().toString());
    // Nothing reached the listener's application.
    assertTrue(!listener.accept().isDone());
  }
}
