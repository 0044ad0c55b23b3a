package dev.p2p.relay.internal.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.RelayServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against the relay's own STUN ports, on loopback (no NAT here, so: NO_NAT). */
class NatCheckLoopbackTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private RelayServer relay1;
  private RelayServer relay2;
  private List<InetSocketAddress> servers;

  @BeforeEach
  void start() {
    relay1 = RelayServer.builder().build().start();
    relay2 = RelayServer.builder().build().start();
    servers = List.of(relay1.stunAddress().orElseThrow(), relay2.stunAddress().orElseThrow());
  }

  @AfterEach
  void stop() {
    relay1.close();
    relay2.close();
  }

  /** A UDP port nobody listens on (bound, then closed). */
  private static InetSocketAddress deadPort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      return (InetSocketAddress) s.getLocalSocketAddress();
    }
  }

  @Test
  void twoRelaysSeeOurOwnAddressSoThereIsNoNat() throws Exception {
    NatReport r =
        NatCheck.run(
            new InetSocketAddress(LOOPBACK, 0),
            servers,
            Duration.ofSeconds(3),
            Duration.ofMillis(200));
    assertEquals(NatType.NO_NAT, r.type(), r.summary());
    assertEquals(List.of(r.localAddress()), r.reflexiveAddresses());
    assertEquals(java.util.Optional.of(false), r.mappingVariesByDestination());
    for (BindingResult b : r.results()) {
      assertTrue(b.answered(), r.summary());
      assertTrue(
          b.rtt().compareTo(Duration.ZERO) > 0 && b.rtt().compareTo(Duration.ofSeconds(3)) < 0);
    }
    assertTrue(relay1.metricsText().contains("p2p_relay_stun_requests_total 1.0"));
  }

  @Test
  void onTheWildcardAddressTheHostsInterfacesCount() throws Exception {
    NatReport r = NatCheck.run(servers, Duration.ofSeconds(3));
    assertEquals(NatType.NO_NAT, r.type(), r.summary());
  }

  @Test
  void aServerThatNeverAnswersTimesOutWithinTheDeadlineAndTheOtherStillCounts() throws Exception {
    InetSocketAddress dead = deadPort();
    long t0 = System.nanoTime();
    NatReport r =
        NatCheck.run(
            new InetSocketAddress(LOOPBACK, 0),
            List.of(dead, servers.get(0)),
            Duration.ofMillis(700),
            Duration.ofMillis(100));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 650 && ms < 2500, "took " + ms + " ms for a 700 ms deadline");
    assertEquals(BindingResult.Outcome.TIMED_OUT, r.results().get(0).outcome());
    assertTrue(r.results().get(0).sends() >= 3, "retransmitted: " + r.summary());
    assertTrue(r.results().get(1).answered());
    assertEquals(NatType.NO_NAT, r.type(), r.summary());
  }

  @Test
  void noServerAnsweringIsBlocked() throws Exception {
    NatReport r =
        NatCheck.run(
            new InetSocketAddress(LOOPBACK, 0),
            List.of(deadPort(), deadPort()),
            Duration.ofMillis(400),
            Duration.ofMillis(100));
    assertEquals(NatType.BLOCKED, r.type(), r.summary());
    assertTrue(r.mappingVariesByDestination().isEmpty());
  }

  @Test
  void onACallersChannelJunkAlreadyQueuedIsSkippedAndTheChannelStaysBlocking() throws Exception {
    try (DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0));
        DatagramSocket junk = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      InetSocketAddress local = (InetSocketAddress) ch.getLocalAddress();
      Random rnd = new Random(3);
      for (int i = 0; i < 50; i++) {
        byte[] b = new byte[1 + rnd.nextInt(100)];
        rnd.nextBytes(b);
        b[0] &= (byte) (i % 2 == 0 ? 0x03 : 0xFF);
        junk.send(new DatagramPacket(b, b.length, local));
      }
      List<BindingResult> results =
          StunRound.run(DatagramIo.of(ch), servers, Duration.ofSeconds(3));
      for (BindingResult b : results) {
        assertEquals(local, b.reflexive().orElseThrow());
      }
      assertTrue(ch.isBlocking(), "the caller's channel mode is restored");
      // The channel still works for its owner.
      junk.send(new DatagramPacket(new byte[] {9}, 1, local));
      ByteBuffer in = ByteBuffer.allocate(10);
      assertTrue(ch.receive(in) != null);
    }
  }

  @Test
  void aNonBlockingChannelWorksAndStaysNonBlocking() throws Exception {
    try (DatagramChannel ch = DatagramChannel.open().bind(new InetSocketAddress(LOOPBACK, 0))) {
      ch.configureBlocking(false);
      List<BindingResult> results =
          StunRound.run(DatagramIo.of(ch), servers, Duration.ofSeconds(3));
      assertTrue(results.stream().allMatch(BindingResult::answered), results.toString());
      assertTrue(!ch.isBlocking());
    }
  }
}
