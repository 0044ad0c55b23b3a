package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Packet sizes off loopback: path MTU discovery is on by default, searching up to what the
 * interface carries (1,472 bytes of UDP payload on a 1,500 MTU), and off it the old fixed 1,350.
 */
class PathMtuSettingsTest {
  private static final InetSocketAddress LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
  private static final InetSocketAddress WILDCARD = new InetSocketAddress("0.0.0.0", 0);

  @Test
  void theCeilingIsTheMtuLessIpAndUdpHeadersWithinQuicsLimits() {
    assertEquals(1472, LinkMtu.payloadFor(1500, LinkMtu.IPV4_OVERHEAD, 1350));
    assertEquals(1452, LinkMtu.payloadFor(1500, LinkMtu.IPV6_OVERHEAD, 1350));
    assertEquals(8972, LinkMtu.payloadFor(9000, LinkMtu.IPV4_OVERHEAD, 1350));
    // Below QUIC's minimum the search cannot go lower; above UDP's maximum neither can a datagram.
    assertEquals(1200, LinkMtu.payloadFor(1200, LinkMtu.IPV4_OVERHEAD, 1350));
    assertEquals(65_527, LinkMtu.payloadFor(70_000, LinkMtu.IPV4_OVERHEAD, 1350));
    assertEquals(1350, LinkMtu.payloadFor(-1, LinkMtu.IPV4_OVERHEAD, 1350), "unknown: fallback");
  }

  @Test
  void byDefaultAWildcardSocketSearchesUpToTheSmallestInterfaceMtu() throws Exception {
    QuicSettings s = QuicSettings.from(P2PConfig.builder().build());
    assertTrue(s.discoverPmtuFor(WILDCARD));
    int smallest = Integer.MAX_VALUE;
    for (NetworkInterface ni :
        java.util.Collections.list(NetworkInterface.getNetworkInterfaces())) {
      boolean ipv4 =
          java.util.Collections.list(ni.getInetAddresses()).stream()
              .anyMatch(a -> a instanceof java.net.Inet4Address);
      if (ni.isUp() && !ni.isLoopback() && ipv4) {
        smallest = Math.min(smallest, ni.getMTU());
      }
    }
    int expected =
        smallest == Integer.MAX_VALUE
            ? QuicSettings.FIXED_UDP_PAYLOAD
            : LinkMtu.payloadFor(smallest, LinkMtu.IPV4_OVERHEAD, QuicSettings.FIXED_UDP_PAYLOAD);
    assertEquals(expected, s.udpPayloadFor(WILDCARD));
  }

  @Test
  void loopbackKeepsItsLargeDatagramsWithoutSearching() {
    QuicSettings s = QuicSettings.from(P2PConfig.builder().build());
    assertEquals(65_527, s.udpPayloadFor(LOOPBACK));
    assertFalse(s.discoverPmtuFor(LOOPBACK));
  }

  @Test
  void relayOnlyTakesTheRelaysPacketSizeWithoutSearching() {
    // No packet of a relay-only provider takes a UDP path: the interface's MTU does not apply.
    QuicSettings s =
        QuicSettings.from(P2PConfig.builder().set(RelaySettings.RELAY_ONLY, "true").build());
    assertEquals(65_527, s.udpPayloadFor(WILDCARD));
    assertFalse(s.discoverPmtuFor(WILDCARD));
    QuicSettings explicit =
        QuicSettings.from(
            P2PConfig.builder()
                .set(RelaySettings.RELAY_ONLY, "true")
                .set(QuicSettings.QUIC_MAX_UDP_PAYLOAD, "16000")
                .build());
    assertEquals(16_000, explicit.udpPayloadFor(WILDCARD), "an explicit payload still rules");
  }

  @Test
  void withoutDiscoveryPacketsStayAtTheFixedSize() {
    QuicSettings s =
        QuicSettings.from(P2PConfig.builder().set(QuicSettings.QUIC_PMTUD, "0").build());
    assertEquals(1350, s.udpPayloadFor(WILDCARD));
    assertFalse(s.discoverPmtuFor(WILDCARD));
  }

  @Test
  void anEpollSocketThatSearchesSendsWithDontFragmentAndIgnoresLearntPathMtus() throws Exception {
    Assumptions.assumeTrue(Epoll.isAvailable(), "native epoll transport not available");
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Bootstrap b =
          new Bootstrap()
              .group(group)
              .channel(EpollDatagramChannel.class)
              .handler(new ChannelInboundHandlerAdapter());
      UdpSocketKind.EPOLL.probeMtuWithoutFragmenting(b, false);
      Channel ch = b.bind(LOOPBACK).sync().channel();
      try {
        // IP_MTU_DISCOVER read back as the kernel holds it: IP_PMTUDISC_PROBE (3).
        assertEquals(3, ch.config().getOption(new IntegerUnixChannelOption("x", 0, 10)));
      } finally {
        ch.close().sync();
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void anExplicitPayloadIsTheCeilingAndIsSearchedEvenOnLoopback() {
    QuicSettings s =
        QuicSettings.from(
            P2PConfig.builder().set(QuicSettings.QUIC_MAX_UDP_PAYLOAD, "1452").build());
    assertEquals(1452, s.udpPayloadFor(WILDCARD));
    assertEquals(1452, s.udpPayloadFor(LOOPBACK));
    assertTrue(s.discoverPmtuFor(LOOPBACK));
  }
}
