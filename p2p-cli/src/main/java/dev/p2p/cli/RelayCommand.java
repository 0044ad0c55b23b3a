package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.relay.RelayServer;
import dev.p2p.relay.RelayServerBuilder;
import java.io.File;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Runs a relay server (p2p-relay) until stopped, or for a bounded time. */
@Command(
    name = "relay",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a relay server (and STUN) for peers that cannot meet directly.",
      "Peers list its URL in P2P_RELAY_SERVERS or --relay.",
      "Settings not given as options are read from P2P_RELAY_* (see the",
      "p2p-relay README, e.g. P2P_RELAY_MAX_CLIENTS). Stops on Ctrl-C or",
      "SIGTERM, telling its clients it is shutting down.",
      "",
      "Exit status: 0 stopped; 2 could not start (port in use, bad TLS files)."
    })
final class RelayCommand implements Callable<Integer> {
  static final int DEFAULT_PORT = 3340;
  static final int DEFAULT_STUN_PORT = 3478;

  @Spec CommandSpec spec;

  @Option(
      names = "--port",
      description =
          "HTTP/WebSocket TCP port (default: P2P_RELAY_PORT, else "
              + DEFAULT_PORT
              + "; 0 picks a free one)")
  Integer port;

  @Option(
      names = "--stun-port",
      description =
          "STUN UDP port (default: P2P_RELAY_STUN_PORT, else "
              + DEFAULT_STUN_PORT
              + "; 0 picks a free one, -1 turns STUN off)")
  Integer stunPort;

  @Option(
      names = "--host",
      description =
          "interface to bind (default: P2P_RELAY_HOST, else 127.0.0.1; 0.0.0.0 serves other hosts)")
  String host;

  @Option(
      names = "--token",
      description = "access token clients must present (default: P2P_RELAY_TOKEN, else none)")
  String token;

  @Option(
      names = "--threads",
      description =
          "event-loop threads (default: P2P_RELAY_THREADS, else one per core; with 1 no packet"
              + " is handed between threads)")
  Integer threads;

  @Option(names = "--tls-cert", description = "PEM certificate chain: serve https (wss)")
  File tlsCert;

  @Option(names = "--tls-key", description = "PEM PKCS#8 private key for --tls-cert")
  File tlsKey;

  @Option(
      names = "--for",
      paramLabel = "SECONDS",
      description = "stop by itself after this many seconds (default: run until stopped)")
  Long forSeconds;

  @Override
  public Integer call() throws InterruptedException {
    RelayServer server = configure(P2PConfig.fromEnvironment()).build().start();
    PrintWriter out = spec.commandLine().getOut();
    out.printf("relay      %s%n", server.url());
    out.printf("stun       %s%n", server.stunAddress().map(RelayCommand::hostPort).orElse("off"));
    String url = server.url().toString();
    if (server.localAddress().getAddress().isAnyLocalAddress()) {
      // The URL names loopback; other machines need an address of this one they can reach.
      url = url.replaceFirst("//[^/]+:", "//THIS-HOST:");
    }
    out.printf("peers use  P2P_RELAY_SERVERS=%s (or --relay %s)%n", url, url);
    out.flush();
    new ServerLifetime("relay", server::close, out).runUntilStopped(forSeconds);
    return 0;
  }

  /** The environment's P2P_RELAY_* settings, overridden by the options given. */
  RelayServerBuilder configure(P2PConfig env) {
    RelayServerBuilder b = RelayServer.builder().config(env);
    if (port != null) {
      b.port(checkPort("--port", port, 0));
    } else if (env.get(RelayServerBuilder.PORT).isEmpty()) {
      b.port(DEFAULT_PORT);
    }
    if (stunPort != null) {
      b.stunPort(checkPort("--stun-port", stunPort, -1));
    } else if (env.get(RelayServerBuilder.STUN_PORT).isEmpty()) {
      b.stunPort(DEFAULT_STUN_PORT);
    }
    if (host != null) {
      b.host(host);
    }
    if (threads != null) {
      if (threads < 1 || threads > 1024) {
        throw new IllegalArgumentException("--threads must be 1..1024, got " + threads);
      }
      b.workerThreads(threads);
    }
    if (token != null) {
      if (token.isBlank()) {
        throw new IllegalArgumentException("--token is empty; give a secret, or leave it out");
      }
      b.accessToken(token);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new IllegalArgumentException("give both --tls-cert and --tls-key, or neither");
    }
    if (tlsCert != null) {
      b.tls(
          CliChecks.readableFile("--tls-cert", tlsCert.toPath()).toFile(),
          CliChecks.readableFile("--tls-key", tlsKey.toPath()).toFile());
    }
    if (forSeconds != null && forSeconds <= 0) {
      throw new IllegalArgumentException("--for must be a positive number of seconds");
    }
    return b;
  }

  private static int checkPort(String option, int value, int min) {
    if (value < min || value > 65535) {
      throw new IllegalArgumentException(
          option + " must be " + min + ".." + 65535 + ", got " + value);
    }
    return value;
  }

  private static String hostPort(java.net.InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }
}
