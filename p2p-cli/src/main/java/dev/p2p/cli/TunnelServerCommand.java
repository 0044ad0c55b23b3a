package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.PeerId;
import dev.p2p.tunnel.server.TunnelServer;
import java.io.File;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs the tunnel server until interrupted. */
@Command(
    name = "tunnel-server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the tunnel server that relays peers using P2P_IMPLEMENTATION=tunnel.",
      "Settings not given as options are read from P2P_TUNNEL_* (e.g. P2P_TUNNEL_TOKEN).",
      "Stops on Ctrl-C."
    })
final class TunnelServerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "7700",
      description = "TCP port (default ${DEFAULT-VALUE}; 0 picks a free one)")
  int port;

  @Option(
      names = "--host",
      defaultValue = "127.0.0.1",
      description = "interface to bind (default ${DEFAULT-VALUE}; 0.0.0.0 serves other hosts)")
  String host;

  @Option(
      names = "--token",
      description = "access token clients must present (default: P2P_TUNNEL_TOKEN, else none)")
  String token;

  @Option(names = "--max-connections-per-peer", description = "relayed connections per peer")
  Integer maxConnectionsPerPeer;

  @Option(
      names = "--max-bytes-per-second",
      description = "per-peer send rate; faster peers are slowed, not dropped (0 = unlimited)")
  Long maxBytesPerSecond;

  @Option(names = "--max-frame-size", description = "largest frame in bytes (default 1 MiB)")
  Integer maxFrameSize;

  @Option(
      names = "--idle-timeout-ms",
      description = "close clients silent this long (default 60000)")
  Long idleTimeoutMs;

  @Option(names = "--ban", split = ",", description = "peer ids refused at registration")
  List<String> banned = List.of();

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve TLS")
  File tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key for --tls-cert")
  File tlsKey;

  @Override
  public Integer call() throws InterruptedException {
    TunnelServer.Builder builder =
        TunnelServer.builder().config(P2PConfig.fromEnvironment()).host(host).port(port);
    if (token != null) {
      builder.accessToken(token);
    }
    if (maxConnectionsPerPeer != null) {
      builder.maxConnectionsPerPeer(maxConnectionsPerPeer);
    }
    if (maxBytesPerSecond != null) {
      builder.maxBytesPerSecondPerPeer(maxBytesPerSecond);
    }
    if (maxFrameSize != null) {
      builder.maxFrameSize(maxFrameSize);
    }
    if (idleTimeoutMs != null) {
      builder.idleTimeout(Duration.ofMillis(idleTimeoutMs));
    }
    for (String id : banned) {
      builder.ban(PeerId.parse(id.strip()));
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("give both --tls-cert and --tls-key, or neither");
    }
    if (tlsCert != null) {
      builder.tls(tlsCert, tlsKey);
    }
    TunnelServer server = builder.start();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("tunnel server listening on %s:%d%n", host, server.port());
    out.printf("clients: P2P_IMPLEMENTATION=tunnel P2P_TUNNEL_SERVER=%s:%d%n", host, server.port());
    out.flush();
    new ServerLifetime("tunnel", server::close, out).runUntilStopped(null);
    return 0;
  }
}
