package dev.p2p.cli;

import dev.p2p.relay.internal.RelayProtocol;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * What one relay's {@code /healthz} said: whether it is up, one HTTP round trip as its latency from
 * here, and the STUN port it names (the relay's {@code P2P-Stun-Port} header; older relays send
 * none).
 */
final class RelayHealth {
  private final String description;
  private final OptionalInt stunPort;

  private RelayHealth(String description, OptionalInt stunPort) {
    this.description = description;
    this.stunPort = stunPort;
  }

  static RelayHealth check(URI relay, Duration timeout) throws InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
    HttpRequest request =
        HttpRequest.newBuilder(relay.resolve("/healthz")).timeout(timeout).GET().build();
    try {
      // The first request pays for the TCP (and TLS) handshake; the second is the round trip.
      http.send(request, HttpResponse.BodyHandlers.discarding());
      long start = System.nanoTime();
      HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
      double ms = (System.nanoTime() - start) / 1e6;
      if (r.statusCode() != 200) {
        return new RelayHealth("answers but /healthz says " + r.statusCode(), OptionalInt.empty());
      }
      return new RelayHealth(
          String.format(Locale.ROOT, "up, HTTP round trip %.1f ms", ms), stunPort(r));
    } catch (IOException e) {
      return new RelayHealth(
          "unreachable (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")",
          OptionalInt.empty());
    }
  }

  private static OptionalInt stunPort(HttpResponse<?> r) {
    try {
      return r.headers()
          .firstValue(RelayProtocol.STUN_PORT_HEADER)
          .map(v -> OptionalInt.of(Integer.parseInt(v.strip())))
          .filter(p -> p.getAsInt() >= 0 && p.getAsInt() <= 65_535)
          .orElse(OptionalInt.empty());
    } catch (NumberFormatException e) {
      return OptionalInt.empty(); // not our relay's header: fall back to the default port
    }
  }

  String describe() {
    return description;
  }

  /** The STUN port the relay named (0: it answers no STUN), else {@code fallback}. */
  int stunPortOr(int fallback) {
    return stunPort.orElse(fallback);
  }
}
