package dev.p2p.benchmarks;

import dev.p2p.api.P2PConfig;
import dev.p2p.relay.RelayServer;
import dev.p2p.tunnel.server.TunnelServer;

/**
 * A transport under benchmark: two endpoints (each with its own I/O thread, like two processes) and
 * whatever sits between them. One implementation per {@code @Param} name of {@link
 * TransportBenchmark}; a new provider joins by adding a case to {@link #create(String)}.
 */
interface BenchTransport extends AutoCloseable {
  /** Opens a new connection between the two endpoints and returns both ends. */
  BenchPair connect() throws Exception;

  @Override
  void close();

  /**
   * The transport for a benchmark parameter.
   *
   * @throws IllegalArgumentException for an unknown name
   */
  static BenchTransport create(String name) {
    switch (name) {
      case "tcp-forwarder":
        return new ForwarderBenchTransport();
      case "tunnel":
        {
          TunnelServer server = TunnelServer.builder().host("127.0.0.1").port(0).start();
          P2PConfig config =
              P2PConfig.builder()
                  .implementation("tunnel")
                  .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + server.port())
                  .build();
          return new ProviderBenchTransport(config, server);
        }
      case "quic":
        {
          // Both providers on loopback sockets, so both send 64 KiB UDP payloads.
          P2PConfig config =
              P2PConfig.builder()
                  .implementation("quic")
                  .set("P2P_QUIC_BIND", "127.0.0.1:0")
                  .build();
          return new ProviderBenchTransport(config, "127.0.0.1:0", null);
        }
      case "quic-nohold":
        {
          // As "quic" with the acknowledgement hold off (the provider before AckPiggyback).
          P2PConfig config =
              P2PConfig.builder()
                  .implementation("quic")
                  .set("P2P_QUIC_BIND", "127.0.0.1:0")
                  .set("P2P_QUIC_ACK_HOLD_US", "0")
                  .build();
          return new ProviderBenchTransport(config, "127.0.0.1:0", null);
        }
      case "relay":
        {
          // QUIC forced onto the relay path, dialled by PeerId alone: the relay is the rendezvous.
          RelayServer relay = RelayServer.builder().host("127.0.0.1").port(0).build().start();
          P2PConfig config =
              P2PConfig.builder()
                  .implementation("quic")
                  .set("P2P_QUIC_BIND", "127.0.0.1:0")
                  .set("P2P_RELAY_SERVERS", relay.url().toString())
                  .set("P2P_RELAY_ONLY", "true")
                  .build();
          return new ProviderBenchTransport(config, "127.0.0.1:0", relay, true);
        }
      case "raw-quic":
        return new RawQuicBenchTransport();
      default:
        throw new IllegalArgumentException("unknown transport '" + name + "'");
    }
  }
}
