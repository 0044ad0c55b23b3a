package dev.p2p.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import dev.p2p.relay.internal.RelayClient;
import dev.p2p.testkit.P2PProviderContract;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole provider contract on the relay path: every provider is relay-only ({@code
 * P2P_RELAY_ONLY=true}) and logs in to one relay started here, and every dial names the peer by its
 * {@code PeerId} alone (no direct address, no relay): the relay is the rendezvous.
 */
@ExtendWith(NettyLeakCheck.class)
class QuicRelayContractTest extends P2PProviderContract {
  private static RelayServer relay;
  private static MultiThreadIoEventLoopGroup silentGroup;
  private final List<RelayClient> silentPeers = new ArrayList<>();

  @BeforeAll
  static void startRelay() {
    relay = RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start();
    silentGroup =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("silent-peer", true), NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopRelay() {
    relay.close();
    silentGroup
        .shutdownGracefully(0, 1, TimeUnit.SECONDS)
        .awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  static P2PConfig relayOnly(String relayUrls) {
    return P2PConfig.builder()
        .set("P2P_CONNECT_TIMEOUT_MS", "3000")
        .set("P2P_IDLE_TIMEOUT_MS", "10000")
        .set("P2P_KEEPALIVE_MS", "3000")
        .set("P2P_RELAY_SERVERS", relayUrls)
        .set("P2P_RELAY_ONLY", "true")
        .set("P2P_QUIC_BIND", "127.0.0.1:0")
        .build();
  }

  @Override
  protected P2PProvider newProvider(String name) {
    return QuicP2PProvider.create(relayOnly(relay.url().toString()));
  }

  @Override
  protected String listenAddress(P2PProvider provider) {
    return "127.0.0.1:0";
  }

  /** By id alone: no direct address, no relay. */
  @Override
  protected PeerAddress dialAddress(P2PProvider provider, P2PListener listener) {
    return PeerAddress.of(provider.localPeerId());
  }

  /**
   * A peer logged in to the relay that never answers: the relay forwards every packet to it, so
   * only the connect timeout ends the dial.
   */
  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    Ed25519Identity id = Ed25519Identity.generate();
    RelayClient silent =
        RelayClient.connect(RelayClient.Options.of(relay.url(), id, silentGroup)).join();
    silentPeers.add(silent);
    return Optional.of(PeerAddress.of(id.peerId()));
  }

  @AfterEach
  void closeSilentPeers() {
    silentPeers.forEach(RelayClient::close);
    silentPeers.clear();
  }

  @Override
  protected boolean isSharedThread(Thread thread) {
    // The relay server and the silent peer outlive each test; they are the test's, not the
    // provider's.
    return super.isSharedThread(thread)
        || thread.getName().startsWith("silent-peer")
        || thread.getName().startsWith("p2p-relay");
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(20);
  }

  /** The contract's connections above ran relayed; this checks it where it can be seen. */
  @Test
  void connectionByPeerIdAloneIsRelayed() throws Exception {
    try (QuicP2PProvider a = QuicP2PProvider.create(relayOnly(relay.url().toString()));
        QuicP2PProvider b = QuicP2PProvider.create(relayOnly(relay.url().toString()))) {
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      assertEquals(Optional.of(relay.url()), l.peerAddress().relay(), "published home relay");
      assertTrue(l.peerAddress().directAddresses().isEmpty(), "relay-only publishes no address");
      P2PConnection c = a.connect(b.localPeerId()).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      c.send("hi".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      assertEquals("hi", new String(s.recv().get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      for (P2PConnection x : List.of(c, s)) {
        assertEquals(PathType.RELAYED, x.path().type(), "path() of " + x);
        assertEquals(Optional.of(relay.url()), x.path().relay());
        assertEquals(PathType.RELAYED, x.stats().path(), "stats().path() of " + x);
      }
    }
  }

  /**
   * A ticket's relay this provider was not configured with is logged in to on demand; a direct-only
   * provider never uses it.
   */
  @Test
  void aTicketsRelayIsLoggedInToOnDemand() throws Exception {
    try (QuicP2PProvider a = QuicP2PProvider.create(P2PConfig.empty());
        QuicP2PProvider directOnly =
            QuicP2PProvider.create(P2PConfig.builder().set("P2P_DIRECT_ONLY", "true").build());
        QuicP2PProvider b = QuicP2PProvider.create(relayOnly(relay.url().toString()))) {
      P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
      PeerAddress ticket = PeerAddress.parseTicket(l.peerAddress().toTicket());
      assertEquals(Optional.of(relay.url()), ticket.relay());
      P2PConnection c = a.connect(ticket).get(10, TimeUnit.SECONDS);
      assertEquals(PathType.RELAYED, c.path().type());
      assertEquals(Optional.of(relay.url()), c.path().relay());
      assertTrue(relay.isLoggedIn(a.localPeerId()), "a logged in to the ticket's relay");
      java.util.concurrent.ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              java.util.concurrent.ExecutionException.class,
              () -> directOnly.connect(ticket).get(10, TimeUnit.SECONDS));
      org.junit.jupiter.api.Assertions.assertInstanceOf(
          dev.p2p.api.PeerNotFoundException.class, e.getCause());
      assertTrue(!relay.isLoggedIn(directOnly.localPeerId()), "direct-only never logs in");
    }
  }
}
