package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import dev.p2p.testkit.nat.LoopbackNat;
import dev.p2p.testkit.nat.NatConfig;
import dev.p2p.testkit.nat.PortAssignment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * NAT rebinding mid-transfer, in both directions: the NAT in front of one peer reboots (a short
 * outage in which it forgets every mapping) and maps the same socket anew on another port. The
 * other peer recognises the packets by their connection id, probes the new address, and moves its
 * direct path there once the probe is answered: one PathChangeEvent saying "NAT rebinding", every
 * message once and in order, and no relay involved.
 */
@ExtendWith(NettyLeakCheck.class)
class NatRebindingTest {
  private static final int MESSAGES = 30_000;

  /**
   * As real NATs keep a UDP mapping (RFC 4787: at least 2 min; 30 s in many routers). A timeout
   * shorter than QUIC's backed-off retransmission timer lapses each new mapping before data flows
   * through it again (a pure receiver behind the NAT refreshes it only by acknowledging), which no
   * real NAT does.
   */
  private static final Duration MAPPING_TIMEOUT = Duration.ofSeconds(30);

  private static final Duration REBOOT_OUTAGE = Duration.ofMillis(500);

  /** Private sides in 127.1/16, NAT addresses in 127.2/16, open hosts in 127.3/16. */
  static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static LoopbackNat rebindingNat(String publicIp) {
    return new LoopbackNat(
        NatConfig.portRestrictedCone(ip(publicIp))
            .withPorts(PortAssignment.SEQUENTIAL)
            .withPortRange(20000, 29999)
            .withTimeout(MAPPING_TIMEOUT),
        LoopbackNat.loopbackSubnet(1));
  }

  /**
   * A long path timeout: only rebinding may move the path, never a failover. Keep-alives far apart:
   * the side behind the NAT may be a pure receiver, which sends nothing once the sender's packets
   * stop reaching it, and the path layer's own probes must find the new mapping, not a keep-alive
   * 15 s later.
   */
  private static P2PConfig config(String relays) {
    P2PConfig.Builder b =
        P2PConfig.builder()
            .set("P2P_PATH_TIMEOUT_MS", "20000")
            .set("P2P_KEEPALIVE_MS", "60000")
            .set("P2P_IDLE_TIMEOUT_MS", "120000");
    return relays == null
        ? b.set("P2P_DIRECT_ONLY", "true").build()
        : b.set("P2P_RELAY_SERVERS", relays).build();
  }

  /** The dialler is behind the NAT: the listener sees its packets come from a new port. */
  @Test
  void theListenerFollowsADiallerWhoseNatRebinds() throws Exception {
    try (LoopbackNat nat = rebindingNat("127.2.0.1");
        QuicP2PProvider a = QuicP2PProvider.create(config(null), Ed25519Identity.generate());
        QuicP2PProvider b = QuicP2PProvider.create(config(null), Ed25519Identity.generate())) {
      NatInterposer.install(a, nat);
      P2PListener l = b.listen("127.3.0.1:0").get(10, TimeUnit.SECONDS);
      a.listen("127.1.0.1:0").get(10, TimeUnit.SECONDS).close();
      P2PConnection c = a.connect(l.peerAddress()).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      rebindMidTransfer(nat, c, s, (QuicPeerChannel) s, (QuicPeerChannel) c, "listener");
    }
  }

  /** The listener is behind the NAT (reached by punching through a relay): the dialler follows. */
  @Test
  void theDiallerFollowsAListenerWhoseNatRebinds() throws Exception {
    try (RelayServer relay =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start();
        LoopbackNat nat = rebindingNat("127.2.0.2");
        QuicP2PProvider a =
            QuicP2PProvider.create(config(relay.url().toString()), Ed25519Identity.generate());
        QuicP2PProvider b =
            QuicP2PProvider.create(config(relay.url().toString()), Ed25519Identity.generate())) {
      NatInterposer.install(b, nat);
      P2PListener l = b.listen("127.1.0.2:0").get(10, TimeUnit.SECONDS);
      a.listen("127.3.0.2:0").get(10, TimeUnit.SECONDS).close();
      P2PConnection c = a.connect(PeerAddress.of(b.localPeerId())).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      DirectRelayFallbackTest.await(
          () -> c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT, 15);
      rebindMidTransfer(nat, c, s, (QuicPeerChannel) c, (QuicPeerChannel) s, "dialler");
    }
  }

  /**
   * Sends {@link #MESSAGES} from {@code c} to {@code s}, with a reboot of the NAT in the middle;
   * {@code follower} is the side that must see the rebinding.
   */
  private static void rebindMidTransfer(
      LoopbackNat nat,
      P2PConnection c,
      P2PConnection s,
      QuicPeerChannel follower,
      QuicPeerChannel behindNat,
      String role)
      throws Exception {
    PeerPath path = follower.peerPath();
    DirectRelayFallbackTest.await(
        () -> path.keys.remote() != null && behindNat.peerPath().keys.remote() != null, 10);
    InetSocketAddress before = follower.path().address().orElseThrow();
    assertEquals(nat.config().publicAddress(), before.getAddress());
    PathEventRecorder events = PathEventRecorder.on(follower);
    PathEventRecorder otherEvents = PathEventRecorder.on(behindNat);

    SequencedTransfer t = SequencedTransfer.start(c, s, MESSAGES);
    CompletableFuture<Void> sending = t.sendInBackground(120);
    t.awaitReceived(MESSAGES / 4, 60);
    nat.outage(true);
    nat.forgetMappings();
    Thread.sleep(REBOOT_OUTAGE.toMillis()); // real time: the router is down
    nat.outage(false);
    DirectRelayFallbackTest.await(() -> !events.paths.isEmpty(), 15);
    sending.get(120, TimeUnit.SECONDS);

    assertEquals(MESSAGES, t.received.get());
    CompletableFuture<byte[]> extra = s.recv();
    assertNull(extra.getNow(null), "no message beyond the last (no duplicates)");
    // One move, or more if a mapping is made and abandoned on the way: each one is followed.
    List<PathChangeEvent> moves = events.paths;
    assertFalse(moves.isEmpty());
    InetSocketAddress previous = before;
    for (PathChangeEvent e : moves) {
      assertTrue(e.reason().contains("NAT rebinding"), e.reason());
      assertEquals(PathType.DIRECT, e.current().type());
      assertEquals(previous, e.previous().address().orElseThrow(), "moves: " + moves);
      InetSocketAddress next = e.current().address().orElseThrow();
      assertEquals(before.getAddress(), next.getAddress(), "the same NAT");
      assertTrue(next.getPort() > previous.getPort(), "a new mapping each time: " + moves);
      previous = next;
    }
    InetSocketAddress after = previous;
    assertEquals(after, follower.path().address().orElseThrow());
    assertEquals(List.of(), otherEvents.paths, "the side behind the NAT sends where it did");
    long toOld = path.packetsSentTo(before);
    c.send(new byte[] {1}).get(10, TimeUnit.SECONDS);
    assertArrayEquals(new byte[] {1}, extra.get(10, TimeUnit.SECONDS));
    assertEquals(toOld, path.packetsSentTo(before), "nothing goes to the lapsed mapping any more");
    System.out.printf(
        "NAT rebinding %s -> %s (%d moves) seen by the %s: %d messages, longest gap %d ms%n",
        before,
        after,
        moves.size(),
        role,
        MESSAGES,
        TimeUnit.NANOSECONDS.toMillis(t.longestGapNanos.get()));
  }
}
