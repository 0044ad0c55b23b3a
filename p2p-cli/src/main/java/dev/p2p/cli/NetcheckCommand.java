package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.relay.internal.stun.NatCheck;
import dev.p2p.relay.internal.stun.NatReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Answers "why am I relayed?": the NAT type this host is behind, its reflexive addresses, whether
 * its mapping varies by destination, and each relay's latency.
 */
@Command(
    name = "netcheck",
    mixinStandardHelpOptions = true,
    description = {
      "Prints this host's NAT type, reflexive addresses and each relay's latency.",
      "Asks the STUN servers of the relays (--relay or P2P_RELAY_SERVERS, STUN on",
      "the relay's host at --stun-port) and any --stun server, from one socket.",
      "Two or more servers tell whether the NAT maps per destination (then hole",
      "punching needs birthday probing, or the connection stays relayed).",
      "",
      "Exit status: 0 checked (whatever the NAT); 2 nothing to ask or bad input."
    })
final class NetcheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--relay",
      paramLabel = "URL",
      split = ",",
      description = "relay to check (default: P2P_RELAY_SERVERS); repeat or separate with commas")
  List<String> relays;

  @Option(
      names = "--stun",
      paramLabel = "HOST:PORT",
      split = ",",
      description = "another STUN server to ask; repeat or separate with commas")
  List<String> stun;

  @Option(
      names = "--stun-port",
      description =
          "the relays' STUN UDP port (default: the port each relay names on /healthz, else "
              + RelayCommand.DEFAULT_STUN_PORT
              + ", as 'p2p relay')")
  Integer stunPort;

  @Option(
      names = "--timeout",
      paramLabel = "MILLIS",
      defaultValue = "3000",
      description = "how long to wait for answers (default ${DEFAULT-VALUE} ms)")
  long timeoutMillis;

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (timeoutMillis <= 0 || timeoutMillis > 60_000) {
      throw new IllegalArgumentException("--timeout must be 1..60000 ms, got " + timeoutMillis);
    }
    if (stunPort != null && (stunPort < 1 || stunPort > 65_535)) {
      throw new IllegalArgumentException("--stun-port must be 1..65535, got " + stunPort);
    }
    Duration timeout = Duration.ofMillis(timeoutMillis);
    List<URI> relayUrls = relayUrls();
    // The relays first: their health check says where each answers STUN.
    Map<URI, RelayHealth> health = new LinkedHashMap<>();
    for (URI relay : relayUrls) {
      health.put(relay, RelayHealth.check(relay, timeout));
    }
    Map<InetSocketAddress, String> servers = new LinkedHashMap<>();
    for (URI relay : relayUrls) {
      int port =
          stunPort != null
              ? stunPort
              : health.get(relay).stunPortOr(RelayCommand.DEFAULT_STUN_PORT);
      if (port > 0) {
        servers.putIfAbsent(new InetSocketAddress(relay.getHost(), port), "relay " + relay);
      }
    }
    if (stun != null) {
      for (String s : stun) {
        if (!s.isBlank()) {
          servers.putIfAbsent(hostPort(s.strip()), "stun");
        }
      }
    }
    if (servers.isEmpty() && relayUrls.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to check: give --relay URL or --stun HOST:PORT, or set P2P_RELAY_SERVERS");
    }
    PrintWriter out = spec.commandLine().getOut();
    if (servers.isEmpty()) {
      for (URI relay : relayUrls) {
        out.printf("relay %s: %s%n", relay, health.get(relay).describe());
      }
      out.println(
          "verdict: no relay answers STUN, so the NAT type is unknown; give --stun HOST:PORT");
      out.flush();
      return 0;
    }
    NatReport report = NatCheck.run(new ArrayList<>(servers.keySet()), timeout);
    out.print(report.summary());
    for (URI relay : relayUrls) {
      out.printf("relay %s: %s%n", relay, health.get(relay).describe());
    }
    out.println(advice(report));
    out.flush();
    return 0;
  }

  private List<URI> relayUrls() {
    List<String> given = relays;
    if (given == null || given.isEmpty()) {
      String env = P2PConfig.fromEnvironment().get(PeerOptions.RELAY_SERVERS).orElse("");
      given = env.isBlank() ? List.of() : List.of(env.split(","));
    }
    List<URI> urls = new ArrayList<>();
    for (String r : given) {
      if (!r.isBlank()) {
        urls.add(URI.create(PeerOptions.relayUrl(r.strip())));
      }
    }
    return urls;
  }

  private static InetSocketAddress hostPort(String text) {
    int colon = text.lastIndexOf(':');
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(text.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException(
          "--stun " + text + ": give HOST:PORT, e.g. 127.0.0.1:3478");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, port);
  }

  private static String advice(NatReport report) {
    return switch (report.type()) {
      case NO_NAT -> "verdict: no NAT; peers can reach this host directly";
      case ENDPOINT_INDEPENDENT ->
          "verdict: NAT with one mapping for all destinations; hole punching works";
      case DESTINATION_DEPENDENT ->
          "verdict: NAT maps per destination; direct only if the peer's NAT does not"
              + " (birthday probing), else relayed";
      case UNKNOWN ->
          "verdict: behind a NAT of unknown kind; ask two servers (two relays or --stun)"
              + " to tell whether it maps per destination";
      case BLOCKED ->
          "verdict: no STUN answer; UDP may be blocked, so connections will stay on the relay";
    };
  }
}
