package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.server.TunnelServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunnelProviderTest {
  private TunnelServer server = TunnelServer.builder().port(0).start();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    server.close();
  }

  private P2PConfig.Builder config() {
    return P2PConfig.builder()
        .implementation("tunnel")
        .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port());
  }

  private P2PProvider open(P2PConfig config) {
    P2PProvider p = P2P.open(config);
    closing.add(p);
    return p;
  }

  private P2PConnection[] pair(P2PProvider a, P2PProvider b) throws Exception {
    P2PListener listener = await(b.listen(""));
    closing.add(listener);
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    return new P2PConnection[] {out, await(in)};
  }

  @Test
  void rttIsMeasuredSoonAfterRegistering() throws Exception {
    P2PConnection[] c = pair(open(config().build()), open(config().build()));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (c[0].stats().rtt().isZero() && System.nanoTime() < deadline) {
      Thread.sleep(5); // real network, real time: waiting for the first pong
    }
    assertTrue(c[0].stats().rtt().toNanos() > 0, "no RTT sample 5 s after registering");
  }

  @Test
  void closeReasonsSayWhichSideClosed() throws Exception {
    P2PConnection[] c = pair(open(config().build()), open(config().build()));
    CompletableFuture<String> local = new CompletableFuture<>();
    CompletableFuture<String> remote = new CompletableFuture<>();
    c[0].addListener(closedReason(local));
    c[1].addListener(closedReason(remote));
    c[0].close();
    assertTrue(await(local).contains("application"), await(local));
    assertTrue(await(remote).contains("peer"), await(remote));
  }

  private static ConnectionListener closedReason(CompletableFuture<String> reason) {
    return new ConnectionListener() {
      @Override
      public void stateChanged(ConnectionStateEvent event) {
        if (event.current() == ConnectionState.CLOSED) {
          reason.complete(event.reason());
        }
      }
    };
  }

  @Test
  void theProviderIsFoundByName() {
    assertTrue(P2P.providers().contains("tunnel"));
    P2PProvider p = open(config().build());
    assertEquals("tunnel", p.name());
    assertInstanceOf(TunnelProviderFactory.class, P2P.factory(config().build()));
  }

  @Test
  void pathIsRelayedAndUnreliableMessagesArriveReliablyInOrder() throws Exception {
    P2PConnection[] c = pair(open(config().build()), open(config().build()));
    assertEquals(PathType.RELAYED, c[0].stats().path());
    assertEquals(PathType.RELAYED, c[1].stats().path());
    int n = 500;
    for (int i = 0; i < n; i++) {
      Delivery d = i % 2 == 0 ? Delivery.UNRELIABLE : Delivery.RELIABLE;
      c[0].send(new byte[] {(byte) i, (byte) (i >> 8)}, d);
    }
    for (int i = 0; i < n; i++) {
      assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8)}, await(c[1].recv()), "#" + i);
    }
    assertEquals(n, c[1].stats().messagesReceived());
  }

  @Test
  void theMaximumMessageSizeComesFromTheConfigAndTheConnectionSurvives() throws Exception {
    P2PConfig small = config().maxMessageSize(1000).build();
    P2PConnection[] c = pair(open(small), open(small));
    MessageTooLargeException e =
        assertThrows(MessageTooLargeException.class, () -> await(c[0].send(new byte[1001])));
    assertEquals(1001, e.size());
    assertEquals(1000, e.limit());
    assertThrows(
        MessageTooLargeException.class,
        () -> await(c[0].send(new byte[1001], Delivery.UNRELIABLE)));
    byte[] max = new byte[1000];
    new Random(1).nextBytes(max);
    await(c[0].send(max));
    assertArrayEquals(max, await(c[1].recv()));
    assertEquals(1000, c[0].stats().bytesSent(), "the refused message counts nothing");
  }

  @Test
  void messagesLargerThanAFrameAreSplitAndJoined() throws Exception {
    server.close();
    server = TunnelServer.builder().port(0).maxFrameSize(4096).start();
    P2PConnection[] c = pair(open(config().build()), open(config().build()));
    byte[] big = new byte[300_000];
    new Random(2).nextBytes(big);
    await(c[0].send(big));
    await(c[0].send(new byte[0]));
    assertArrayEquals(big, await(c[1].recv()));
    assertEquals(0, await(c[1].recv()).length);
  }

  @Test
  void theKeyComesFromTheKeyFile(@TempDir Path dir) throws Exception {
    Path key = dir.resolve("id.pem");
    P2PConfig withKey = config().set("P2P_KEY_FILE", key.toString()).build();
    P2PProvider first = open(withKey);
    assertTrue(Files.exists(key));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    first.close();
    P2PProvider second = open(withKey);
    assertEquals(first.localPeerId(), second.localPeerId());
    assertEquals(Ed25519Identity.fromConfig(withKey).peerId(), second.localPeerId());
  }

  @Test
  void missingOrMalformedServerAddressesAreConfigurationErrors() throws Exception {
    P2PProvider p = open(P2PConfig.builder().implementation("tunnel").build());
    assertThrows(ConfigurationException.class, () -> await(p.listen("")));
    assertThrows(ConfigurationException.class, () -> await(p.listen("no-port")));
    assertThrows(
        ConfigurationException.class,
        () -> P2P.open(config().set("P2P_TUNNEL_SERVER", "127.0.0.1:99999").build()));
  }

  @Test
  void listenAddressNamesTheServerAndOverridesTheConfig() throws Exception {
    P2PProvider p = open(config().set("P2P_TUNNEL_SERVER", "127.0.0.1:1").build());
    P2PListener l = await(p.listen("127.0.0.1:" + server.port()));
    closing.add(l);
    assertEquals("127.0.0.1:" + server.port(), l.localAddr());
    PeerAddress own = l.peerAddress();
    assertEquals(p.localPeerId(), own.peerId());
    assertEquals("tunnel://127.0.0.1:" + server.port(), own.relay().orElseThrow().toString());
    assertTrue(server.isRegistered(p.localPeerId()));
    assertThrows(IllegalStateException.class, () -> await(p.listen("")), "one listener at once");
  }

  @Test
  void aTicketAloneNamesTheServerToDial() throws Exception {
    P2PProvider listening = open(config().build());
    P2PListener l = await(listening.listen(""));
    closing.add(l);
    CompletableFuture<P2PConnection> in = l.accept();
    // No P2P_TUNNEL_SERVER: the ticket's tunnel://host:port is where the peer is.
    P2PProvider dialling = open(P2PConfig.builder().implementation("tunnel").build());
    PeerAddress ticket = PeerAddress.parseTicket(l.peerAddress().toTicket());
    P2PConnection out = await(dialling.connect(ticket));
    await(out.send(new byte[] {7}));
    assertArrayEquals(new byte[] {7}, await(await(in).recv()));

    P2PProvider bare = open(P2PConfig.builder().implementation("tunnel").build());
    ConfigurationException e =
        assertThrows(
            ConfigurationException.class, () -> await(bare.connect(listening.localPeerId())));
    assertTrue(e.getMessage().contains("a ticket that names one"), e.getMessage());
  }

  @Test
  void anUnreachableServerIsAConnectionFailure() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    P2PProvider p = open(config().set("P2P_TUNNEL_SERVER", "127.0.0.1:" + deadPort).build());
    ConnectionFailedException e =
        assertThrows(ConnectionFailedException.class, () -> await(p.listen("")));
    assertTrue(e.getMessage().contains("P2P_TUNNEL_SERVER"), e.getMessage());
  }

  @Test
  void aWrongTokenIsAnAuthenticationError() throws Exception {
    server.close();
    server = TunnelServer.builder().port(0).accessToken("right").start();
    P2PProvider wrong = open(config().set("P2P_TUNNEL_TOKEN", "wrong").build());
    AuthenticationFailedException e =
        assertThrows(AuthenticationFailedException.class, () -> await(wrong.listen("")));
    assertTrue(e.getMessage().contains("P2P_TUNNEL_TOKEN"), e.getMessage());
    P2PProvider right = open(config().set("P2P_TUNNEL_TOKEN", "right").build());
    closing.add(await(right.listen("")));
  }

  @Test
  void unknownAndNonListeningPeersFailClearly() throws Exception {
    P2PProvider a = open(config().build());
    P2PProvider registeredOnly = open(config().build());
    assertThrows(
        PeerNotFoundException.class, () -> await(a.connect(Ed25519Identity.generate().peerId())));
    // Registered (it dialled someone) but not listening: refused.
    P2PProvider listening = open(config().build());
    pair(registeredOnly, listening);
    ConnectionFailedException refused =
        assertThrows(
            ConnectionFailedException.class, () -> await(a.connect(registeredOnly.localPeerId())));
    assertTrue(refused.getMessage().contains("not listening"), refused.getMessage());
    assertThrows(ConnectionFailedException.class, () -> await(a.connect(a.localPeerId())));
  }

  /**
   * A receiver that does not read stops the sender: send futures stay pending once the bounded
   * buffers on the way are full, and complete once the receiver reads. Nothing is lost.
   */
  @Test
  void aSlowReceiverHoldsBackTheSendersFutures() throws Exception {
    int size = 64 * 1024;
    P2PConfig cfg =
        config()
            .maxMessageSize(size)
            .set("P2P_TUNNEL_RECEIVE_BUFFER", Integer.toString(size))
            .build();
    P2PConnection[] c = pair(open(cfg), open(cfg));
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    CompletableFuture<Void> blocked = null;
    int limit = 2000; // 125 MiB: far beyond every buffer on the way
    for (int i = 0; i < limit && blocked == null; i++) {
      byte[] m = new byte[size];
      m[0] = (byte) i;
      m[1] = (byte) (i >> 8);
      CompletableFuture<Void> f = c[0].send(m);
      sends.add(f);
      try {
        f.get(300, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        blocked = f;
      }
    }
    assertTrue(blocked != null, "a send must wait while nobody reads");
    long accepted = (long) sends.size() * size;
    assertTrue(accepted < 64L << 20, "bounded buffers: " + accepted + " bytes accepted");
    assertFalse(blocked.isDone());
    for (int i = 0; i < sends.size(); i++) {
      byte[] m = await(c[1].recv());
      assertEquals((byte) i, m[0], "message " + i);
      assertEquals((byte) (i >> 8), m[1], "message " + i);
    }
    await(blocked);
  }
}
