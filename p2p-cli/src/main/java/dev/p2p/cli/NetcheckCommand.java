package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.relay.internal.stun.NatCheck;
import dev.p2p.relay.internal.stun.NatReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
      defaultValue = "" + RelayCommand.DEFAULT_STUN_PORT,
      description = "the relays' STUN UDP port (default ${DEFAULT-VALUE}, as 'p2p relay')")
  int stunPort;

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
    if (stunPort < 1 || stunPort > 65_535) {
      throw new IllegalArgumentException("--stun-port must be 1..65535, got " + stunPort);
    }
    List<URI> relayUrls = relayUrls();
    Map<InetSocketAddress, String> servers = new LinkedHashMap<>();
    for (URI relay : relayUrls) {
      servers.putIfAbsent(new InetSocketAddress(relay.getHost(), stunPort), "relay " + relay);
    }
    if (stun != null) {
      for (String s : stun) {
        if (!s.isBlank()) {
          servers.putIfAbsent(hostPort(s.strip()), "stun");
        }
      }
    }
    if (servers.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to check: give --relay URL or --stun HOST:PORT, or set P2P_RELAY_SERVERS");
    }
    Duration timeout = Duration.ofMillis(timeoutMillis);
    NatReport report = NatCheck.run(new ArrayList<>(servers.keySet()), timeout);
    PrintWriter out = spec.commandLine().getOut();
    out.print(report.summary());
    for (URI relay : relayUrls) {
      out.printf("relay %s: %s%n", relay, httpLatency(relay, timeout));
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

  /** One HTTP round trip to the relay's health endpoint, as its latency from here. */
  private static String httpLatency(URI relay, Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
    HttpRequest request =
        HttpRequest.newBuilder(relay.resolve("/healthz")).timeout(timeout).GET().build();
    try {
      // The first request pays for the TCP (and TLS) handshake; the second is the round trip.
      http.send(request, HttpResponse.BodyHandlers.discarding());
      long start = System.nanoTime();
      HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
      double ms = (System.nanoTime() - start) / 1e6;
      return r.statusCode() == 200
          ? String.format(Locale.ROOT, "up, HTTP round trip %.1f ms", ms)
          : "answers but /healthz says " + r.statusCode();
    } catch (IOException e) {
      return "unreachable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
    }
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
