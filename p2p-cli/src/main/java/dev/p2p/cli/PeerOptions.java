package dev.p2p.cli;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * What every peer command (listen, connect, send, receive) is told about itself: its identity key
 * and the relays it may use. A flag overrides the environment's setting of the same thing.
 */
final class PeerOptions {
  /** The providers' setting for relays (comma-separated base URLs), read by the QUIC provider. */
  static final String RELAY_SERVERS = "P2P_RELAY_SERVERS";

  @Option(
      names = "--key",
      description = "identity key file (default: P2P_KEY_FILE, else a new key)")
  Path key;

  @Option(
      names = "--relay",
      paramLabel = "URL",
      split = ",",
      description =
          "relay server, http://host:port or https://host:port (from 'p2p relay');"
              + " repeat or separate with commas for several (default: P2P_RELAY_SERVERS)")
  List<String> relays;

  /**
   * The provider configuration: {@code env} with the implementation and these options applied.
   *
   * @param implementation the provider's name, or null for the highest-priority one
   * @throws IllegalArgumentException if a --relay is not a relay URL
   */
  P2PConfig config(P2PConfig env, String implementation) {
    P2PConfig.Builder config = env.toBuilder();
    if (implementation != null) {
      config.implementation(implementation);
    }
    if (key != null) {
      config.set("P2P_KEY_FILE", key.toString());
    }
    if (relays != null && !relays.isEmpty()) {
      List<String> urls = new ArrayList<>();
      for (String r : relays) {
        if (!r.isBlank()) {
          urls.add(relayUrl(r.strip()));
        }
      }
      if (urls.isEmpty()) {
        throw new IllegalArgumentException(
            "--relay is empty; give a relay URL such as http://127.0.0.1:3340");
      }
      config.set(RELAY_SERVERS, String.join(",", urls));
    }
    return config.build();
  }

  /** Opens the provider for {@link #config}. */
  P2PProvider open(P2PConfig env, String implementation) {
    return P2P.open(config(env, implementation));
  }

  /** A relay's base URL as the providers take it, checked so that a typo fails here. */
  static String relayUrl(String text) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      throw notARelay(text);
    }
    boolean web = "http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme());
    boolean bare =
        (u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))
            && u.getRawQuery() == null
            && u.getRawFragment() == null
            && u.getRawUserInfo() == null;
    if (!web || u.getHost() == null || u.getPort() < 0 || !bare) {
      throw notARelay(text);
    }
    return u.getScheme().toLowerCase(java.util.Locale.ROOT) + "://" + u.getRawAuthority();
  }

  private static IllegalArgumentException notARelay(String text) {
    return new IllegalArgumentException(
        "--relay "
            + text
            + ": not a relay URL; give http://host:port or https://host:port,"
            + " as 'p2p relay' prints it");
  }
}
