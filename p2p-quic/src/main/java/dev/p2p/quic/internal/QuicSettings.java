package dev.p2p.quic.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.PeerAddress;
import dev.p2p.core.TransportSettings;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The QUIC provider's configuration, read and range-checked once: the settings every provider
 * shares ({@link TransportSettings}) and the ones only QUIC has.
 */
record QuicSettings(
    TransportSettings transport,
    List<PeerAddress> bootstrapPeers,
    int maxUdpPayload,
    long streamWindow,
    long connectionWindow,
    int receiveBufferBytes,
    int datagramQueueLength,
    java.net.InetSocketAddress bindAddress,
    Duration busyPoll,
    Duration ackHold,
    UdpSocketKind udpTransport,
    int gsoSegments,
    boolean gro,
    QuicCongestionControlAlgorithm congestionControl,
    boolean discoverPmtu,
    boolean batchStreamReads,
    RelaySettings relay) {

  static final String BOOTSTRAP_PEERS = "P2P_BOOTSTRAP_PEERS";
  static final String QUIC_MAX_UDP_PAYLOAD = "P2P_QUIC_MAX_UDP_PAYLOAD";
  static final String QUIC_STREAM_WINDOW = "P2P_QUIC_STREAM_WINDOW";
  static final String QUIC_RECEIVE_BUFFER = "P2P_QUIC_RECEIVE_BUFFER";
  static final String QUIC_DATAGRAM_QUEUE = "P2P_QUIC_DATAGRAM_QUEUE";

  /**
   * How long the event loop polls for more work before it sleeps (microseconds; 0 = sleep at once).
   * See {@link dev.p2p.relay.internal.BusyPollSelectStrategy}.
   */
  static final String QUIC_BUSY_POLL_US = "P2P_QUIC_BUSY_POLL_US";

  /**
   * How long the end of a short read batch that delivered a message waits for the application's
   * answer, so that the acknowledgement goes in the answer's packet (microseconds; 0 = never). See
   * {@link AckPiggyback}.
   */
  static final String QUIC_ACK_HOLD_US = "P2P_QUIC_ACK_HOLD_US";

  /** The UDP socket's transport: auto (native epoll where it loads, else NIO), epoll or nio. */
  static final String QUIC_TRANSPORT = "P2P_QUIC_TRANSPORT";

  /**
   * Packets per UDP GSO send with epoll, at most as many as fit 64 KiB (48 of 1,350 bytes; 0 or 1:
   * one system call per packet).
   */
  static final String QUIC_GSO_SEGMENTS = "P2P_QUIC_GSO_SEGMENTS";

  /** 1: the kernel coalesces received packets (UDP GRO) with epoll; 0: one read per packet. */
  static final String QUIC_GRO = "P2P_QUIC_GRO";

  /**
   * 1 (default): quiche probes the path MTU (DPLPMTUD, RFC 8899) up to the UDP payload limit, which
   * is then the interface's MTU (see {@link #udpPayloadFor}); 0: fixed 1,350-byte packets.
   */
  static final String QUIC_PMTUD = "P2P_QUIC_PMTUD";

  /**
   * quiche's congestion control: bbr (default: on a 1500-MTU veth link 8-20% more bulk than cubic
   * in the same runs, see benchmarks/RESULTS.md), cubic or reno.
   */
  static final String QUIC_CC = "P2P_QUIC_CC";

  /**
   * 1 (default): message streams are read once per socket read batch ({@link StreamReadBatches});
   * 0: once per packet, as Netty's codec does by itself.
   */
  static final String QUIC_BATCH_READS = "P2P_QUIC_BATCH_READS";

  /** Where the provider's one UDP socket binds when it dials before listening. */
  static final String QUIC_BIND = "P2P_QUIC_BIND";

  /** The UDP payload off loopback without path MTU discovery. */
  static final int FIXED_UDP_PAYLOAD = 1350;

  public QuicSettings {
    bootstrapPeers = List.copyOf(bootstrapPeers);
  }

  /**
   * Reads a configuration.
   *
   * @throws ConfigurationException naming the key and the accepted range
   */
  static QuicSettings from(P2PConfig config) {
    long streamWindow = config.getLong(QUIC_STREAM_WINDOW, 8L << 20, 64 << 10, 1L << 30);
    return new QuicSettings(
        TransportSettings.from(config),
        parseTickets(config),
        // 0 = automatic: see udpPayloadFor.
        config.getInt(QUIC_MAX_UDP_PAYLOAD, 0, 0, 65_527),
        streamWindow,
        2 * streamWindow,
        config.getInt(QUIC_RECEIVE_BUFFER, 4 << 20, 64 << 10, 1 << 30),
        config.getInt(QUIC_DATAGRAM_QUEUE, 4096, 16, 1 << 20),
        bindAddress(config),
        Duration.ofNanos(1000 * config.getLong(QUIC_BUSY_POLL_US, 50, 0, 10_000)),
        Duration.ofNanos(1000 * config.getLong(QUIC_ACK_HOLD_US, 50, 0, 20_000)),
        UdpSocketKind.choose(QUIC_TRANSPORT, config.get(QUIC_TRANSPORT).orElse("auto")),
        config.getInt(
            QUIC_GSO_SEGMENTS, UdpSocketKind.GSO_MAX_SEGMENTS, 0, UdpSocketKind.GSO_MAX_SEGMENTS),
        config.getInt(QUIC_GRO, 1, 0, 1) == 1,
        congestionControl(config),
        config.getInt(QUIC_PMTUD, 1, 0, 1) == 1,
        config.getInt(QUIC_BATCH_READS, 1, 0, 1) == 1,
        RelaySettings.from(config));
  }

  private static QuicCongestionControlAlgorithm congestionControl(P2PConfig config) {
    String raw = config.get(QUIC_CC).orElse("bbr");
    try {
      return QuicCongestionControlAlgorithm.valueOf(raw.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException(
          QUIC_CC + " must be cubic, reno or bbr, got '" + raw + "'", e);
    }
  }

  Duration keepAlive() {
    return transport.keepAlive();
  }

  Duration idleTimeout() {
    return transport.idleTimeout();
  }

  Duration connectTimeout() {
    return transport.connectTimeout();
  }

  Duration closeLinger() {
    return transport.closeLinger();
  }

  int maxMessageSize() {
    return transport.maxMessageSize();
  }

  /**
   * The UDP payload size for a socket bound at {@code bound}. Loopback carries 64 KiB datagrams,
   * and large packets cut the per-packet cost that dominates QUIC here (about 2x bulk throughput).
   * Anywhere else, with path MTU discovery it is the ceiling of the search: the interface's MTU
   * less headers (1,472 bytes on a 1,500 MTU; quiche sends 1,200-byte packets until a probe of that
   * size is acknowledged, and searches lower when probes are lost); without it 1,350 bytes, which
   * fits common path MTUs. With {@code P2P_RELAY_ONLY} no packet takes a UDP path, and a relay
   * carries 64 KiB packets: as on loopback, without a search (a relay-only pair at the interfaces'
   * 1,472 bytes spent three times the CPU per MiB, benchmarks/RESULTS.md). Either way quiche builds
   * packets of at most {@link UdpSocketKind#QUICHE_MAX_PACKET} bytes under this limit.
   */
  int udpPayloadFor(java.net.InetSocketAddress bound) {
    if (maxUdpPayload > 0) {
      return maxUdpPayload;
    }
    if (bound.getAddress().isLoopbackAddress() || relay().policy().relayOnly()) {
      return LinkMtu.MAX_UDP_PAYLOAD;
    }
    return discoverPmtu ? LinkMtu.udpPayloadCeiling(bound, FIXED_UDP_PAYLOAD) : FIXED_UDP_PAYLOAD;
  }

  /**
   * Whether quiche searches the path MTU on a socket bound at {@code bound}: as configured, except
   * with the automatic payload on loopback, whose MTU is known, and relay-only, where no packet
   * takes a UDP path (searching would only start the connection at 1,200-byte packets; over a busy
   * relay the search's probes were lost and it stayed there).
   */
  boolean discoverPmtuFor(java.net.InetSocketAddress bound) {
    return discoverPmtu
        && (maxUdpPayload > 0
            || !bound.getAddress().isLoopbackAddress() && !relay().policy().relayOnly());
  }

  private static java.net.InetSocketAddress bindAddress(P2PConfig config) {
    String raw = config.get(QUIC_BIND).orElse("0.0.0.0:0");
    try {
      return QuicP2PProvider.parseListenAddress(raw);
    } catch (ConfigurationException e) {
      throw new ConfigurationException(
          QUIC_BIND + " must be host:port (e.g. 0.0.0.0:0), got '" + raw + "'", e);
    }
  }

  private static List<PeerAddress> parseTickets(P2PConfig config) {
    List<PeerAddress> result = new ArrayList<>();
    String raw = config.get(BOOTSTRAP_PEERS).orElse("");
    for (String part : raw.split(",")) {
      String ticket = part.strip();
      if (ticket.isEmpty()) {
        continue;
      }
      try {
        result.add(PeerAddress.parseTicket(ticket));
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException(
            BOOTSTRAP_PEERS
                + " must be comma-separated tickets (p2p1...); '"
                + (ticket.length() > 20 ? ticket.substring(0, 20) + "..." : ticket)
                + "' is not one: "
                + e.getMessage(),
            e);
      }
    }
    return result;
  }
}
