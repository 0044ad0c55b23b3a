package dev.p2p.quic.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Enumeration;

/**
 * The largest UDP payload that leaves this machine in one unfragmented packet: the ceiling for
 * QUIC's path MTU discovery. A socket bound to one address takes its interface's MTU; a wildcard
 * socket the smallest MTU of the up interfaces it could send from, so no first hop has to fragment
 * or refuse a packet (a GSO send whose segments exceed the route's MTU fails whole). Hops beyond
 * the first are what DPLPMTUD itself finds out.
 */
final class LinkMtu {
  /** IPv4 (20) and UDP (8) headers. */
  static final int IPV4_OVERHEAD = 28;

  /** IPv6 (40) and UDP (8) headers; also for a dual-stack socket, which may send either. */
  static final int IPV6_OVERHEAD = 48;

  /** QUIC's smallest allowed datagram (RFC 9000, 14). */
  static final int QUIC_MIN_PAYLOAD = 1200;

  static final int MAX_UDP_PAYLOAD = 65_527;

  private LinkMtu() {}

  /**
   * The payload ceiling for a socket bound at {@code bound}, or {@code fallback} when no interface
   * says (none up, or the platform hides MTUs).
   */
  static int udpPayloadCeiling(InetSocketAddress bound, int fallback) {
    InetAddress address = bound.getAddress();
    int overhead = address instanceof Inet6Address ? IPV6_OVERHEAD : IPV4_OVERHEAD;
    int mtu;
    try {
      mtu = address.isAnyLocalAddress() ? smallestMtu(address) : interfaceMtu(address);
    } catch (SocketException e) {
      mtu = -1;
    }
    return payloadFor(mtu, overhead, fallback);
  }

  /** {@code mtu} less the headers, within QUIC's and UDP's limits; {@code fallback} if unknown. */
  static int payloadFor(int mtu, int overhead, int fallback) {
    if (mtu <= 0) {
      return fallback;
    }
    return Math.max(QUIC_MIN_PAYLOAD, Math.min(MAX_UDP_PAYLOAD, mtu - overhead));
  }

  private static int interfaceMtu(InetAddress address) throws SocketException {
    NetworkInterface ni = NetworkInterface.getByInetAddress(address);
    return ni == null ? -1 : ni.getMTU();
  }

  /** The smallest MTU of the up, non-loopback interfaces with an address a socket bound so uses. */
  private static int smallestMtu(InetAddress wildcard) throws SocketException {
    boolean ipv4Only = wildcard instanceof Inet4Address;
    int smallest = -1;
    Enumeration<NetworkInterface> all = NetworkInterface.getNetworkInterfaces();
    while (all != null && all.hasMoreElements()) {
      NetworkInterface ni = all.nextElement();
      if (!ni.isUp() || ni.isLoopback() || !hasAddress(ni, ipv4Only)) {
        continue;
      }
      int mtu = ni.getMTU();
      if (mtu > 0 && (smallest < 0 || mtu < smallest)) {
        smallest = mtu;
      }
    }
    return smallest;
  }

  private static boolean hasAddress(NetworkInterface ni, boolean ipv4Only) {
    Enumeration<InetAddress> addresses = ni.getInetAddresses();
    while (addresses.hasMoreElements()) {
      if (!ipv4Only || addresses.nextElement() instanceof Inet4Address) {
        return true;
      }
    }
    return false;
  }
}
