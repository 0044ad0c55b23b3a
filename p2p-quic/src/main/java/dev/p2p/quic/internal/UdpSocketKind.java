package dev.p2p.quic.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.relay.internal.BusyPollSelectStrategy;
import dev.p2p.relay.internal.NativeEpoll;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;

/**
 * Which Netty transport carries the provider's UDP socket. Linux's native epoll transport can hand
 * the kernel many QUIC packets in one {@code sendmsg} (UDP GSO, {@code UDP_SEGMENT}) and take many
 * in one receive (GRO): on a 1,500-byte MTU, where every packet is ~1,350 bytes, the per-packet
 * system calls are what limits a transfer. NIO is the fallback wherever epoll is not available.
 */
enum UdpSocketKind {
  NIO,
  EPOLL;

  /** The largest UDP payload one GSO send may carry (IPv4 datagram limit less headers). */
  private static final int GSO_MAX_BYTES = 65_000;

  // Linux's <netinet/in.h>: IPPROTO_IP / IP_MTU_DISCOVER, IPPROTO_IPV6 / IPV6_MTU_DISCOVER, and
  // IP_PMTUDISC_PROBE (= IPV6_PMTUDISC_PROBE).
  private static final IntegerUnixChannelOption IP_MTU_DISCOVER =
      new IntegerUnixChannelOption("IP_MTU_DISCOVER", 0, 10);
  private static final IntegerUnixChannelOption IPV6_MTU_DISCOVER =
      new IntegerUnixChannelOption("IPV6_MTU_DISCOVER", 41, 23);
  private static final int PMTUDISC_PROBE = 3;

  /**
   * The largest packet quiche builds once a connection is established, whatever the UDP payload
   * limit: it keeps a packet's length within a 2-byte varint ({@code max_send_udp_payload_size} in
   * quiche's lib.rs). With a 64 KiB limit (loopback, relay-only) packets are this size, so a GSO
   * send or relay batch holds several of them.
   */
  static final int QUICHE_MAX_PACKET = 16_383;

  /** The kernel's limit on segments per GSO send ({@code UDP_MAX_SEGMENTS}). */
  static final int GSO_MAX_SEGMENTS = 64;

  /**
   * The transport a setting names: {@code auto} (epoll where it loads, else NIO), {@code epoll} or
   * {@code nio}.
   *
   * @throws ConfigurationException for another value, or {@code epoll} where it cannot load
   */
  static UdpSocketKind choose(String key, String value) {
    return NativeEpoll.chosen(key, value) ? EPOLL : NIO;
  }

  /** Event loops of this transport that busy-poll for {@code pollNanos} (0: never). */
  IoHandlerFactory ioHandlerFactory(long pollNanos) {
    return this == NIO
        ? BusyPollSelectStrategy.nioHandlerFactory(pollNanos)
        : BusyPollSelectStrategy.epollHandlerFactory(pollNanos);
  }

  /** The TCP channel class for the same event loops (relay logins share the provider's loop). */
  Class<? extends io.netty.channel.socket.SocketChannel> tcpChannelClass() {
    return this == NIO
        ? io.netty.channel.socket.nio.NioSocketChannel.class
        : io.netty.channel.epoll.EpollSocketChannel.class;
  }

  Channel newChannel(SocketProtocolFamily family) {
    return this == NIO ? new NioDatagramChannel(family) : new EpollDatagramChannel(family);
  }

  /**
   * Read options: with GRO the kernel hands over up to 64 KiB of coalesced packets at once (Netty
   * splits them again), so the read buffer is sized for that. (On loopback a transfer also worked
   * with small buffers; the large one is what the kernel may deliver.)
   */
  void configureReads(Bootstrap b, int payload, boolean gro) {
    boolean coalesce = this == EPOLL && gro;
    if (coalesce) {
      b.option(EpollChannelOption.UDP_GRO, true);
    }
    b.option(
        ChannelOption.RCVBUF_ALLOCATOR,
        new FixedRecvByteBufAllocator(coalesce ? 65_536 : Math.max(2048, payload)));
  }

  /**
   * Path MTU probing as RFC 8899 needs it ({@code IP_PMTUDISC_PROBE}): every packet leaves with the
   * don't-fragment bit, and the kernel neither fragments it nor refuses it for a smaller path MTU
   * it learnt from ICMP. With the default ({@code IP_PMTUDISC_WANT}) a probe larger than a hop's
   * MTU is fragmented after the first ICMP answer and then "succeeds", and every GSO send of
   * segments of that size fails ({@code EINVAL}: segments above the route's MTU). NIO has no such
   * option (and no GSO); there the default stays.
   */
  void probeMtuWithoutFragmenting(Bootstrap b, boolean ipv6) {
    if (this != EPOLL) {
      return;
    }
    b.option(IP_MTU_DISCOVER, PMTUDISC_PROBE);
    if (ipv6) {
      b.option(IPV6_MTU_DISCOVER, PMTUDISC_PROBE);
    }
  }

  /**
   * How the QUIC codec packs outgoing packets: up to {@code segments} packets of {@code payload}
   * bytes in one GSO send; one datagram per packet for NIO, for 0 segments, or where the kernel
   * lacks GSO.
   */
  SegmentedDatagramPacketAllocator segmentedAllocator(int payload, int segments) {
    if (this == NIO
        || segments <= 1
        || !EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
      return SegmentedDatagramPacketAllocator.NONE;
    }
    int packet = Math.min(payload, QUICHE_MAX_PACKET);
    int n = Math.min(Math.min(segments, GSO_MAX_SEGMENTS), GSO_MAX_BYTES / packet);
    return n <= 1 ? SegmentedDatagramPacketAllocator.NONE : EpollQuicUtils.newSegmentedAllocator(n);
  }
}
