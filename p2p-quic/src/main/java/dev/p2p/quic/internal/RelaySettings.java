package dev.p2p.quic.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.quic.internal.path.PathPolicy;
import dev.p2p.quic.internal.path.traversal.BirthdaySettings;
import dev.p2p.relay.internal.RelayClient;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The QUIC provider's relay and path settings, read and checked once.
 *
 * @param servers the relays to log in to, normalised ({@link #normalize})
 * @param token the access token presented at login, empty if none
 * @param policy relay-only / direct-only and the path timers
 * @param receiveBuffer the relay sockets' {@code SO_RCVBUF}, 0 for the kernel's autotuning
 * @param batches whether to ask relays for protocol 2 (batches)
 */
record RelaySettings(
    List<URI> servers, String token, PathPolicy policy, int receiveBuffer, boolean batches) {
  /** Comma-separated {@code http(s)://host:port} relay URLs. Default none. */
  static final String RELAY_SERVERS = "P2P_RELAY_SERVERS";

  /** The access token the relays want (the same key the relay server reads). */
  static final String RELAY_TOKEN = "P2P_RELAY_TOKEN";

  /** true: every path is relayed; direct packets are neither sent nor accepted. */
  static final String RELAY_ONLY = "P2P_RELAY_ONLY";

  /** true: never use a relay, even one a ticket names. */
  static final String DIRECT_ONLY = "P2P_DIRECT_ONLY";

  /** A direct path that has not answered for this long moves to a relay (ms, default 3000). */
  static final String PATH_TIMEOUT_MS = "P2P_PATH_TIMEOUT_MS";

  /** How often a relayed path probes its direct addresses (ms, default 2000). */
  static final String PATH_PROBE_MS = "P2P_PATH_PROBE_MS";

  /** Extra sockets the hard side of birthday probing opens per attempt (0 turns it off). */
  static final String BIRTHDAY_SOCKETS = "P2P_BIRTHDAY_SOCKETS";

  /** Pings the easy side of birthday probing sprays per attempt (0 turns it off). */
  static final String BIRTHDAY_PROBES = "P2P_BIRTHDAY_PROBES";

  /**
   * The relay socket's receive buffer (bytes; default 256 KiB, 0 = the kernel's autotuning). It is
   * the most a relay can have in flight toward us, so at most this much per round trip to the relay
   * arrives: 256 KiB carries about 5 MB/s from a relay 50 ms away. Larger buffers carry more from
   * far relays; the relay's delay target (5 ms of queue) still bounds the standing queue there, but
   * a busy reader can hold up to this much in its own kernel buffer.
   */
  static final String RELAY_RECEIVE_BUFFER = "P2P_RELAY_RECEIVE_BUFFER";

  /**
   * 1 (default): ask relays for protocol 2, which carries a GSO send as one batch frame; 0:
   * protocol 1 only, one frame per packet, as before batches (for comparison, or a relay that
   * mishandles them).
   */
  static final String RELAY_BATCHES = "P2P_RELAY_BATCHES";

  RelaySettings {
    servers = List.copyOf(servers);
  }

  static RelaySettings from(P2PConfig config) {
    boolean relayOnly = flag(config, RELAY_ONLY);
    boolean directOnly = flag(config, DIRECT_ONLY);
    if (relayOnly && directOnly) {
      throw new ConfigurationException(
          RELAY_ONLY + " and " + DIRECT_ONLY + " are both true; set at most one of them");
    }
    Duration timeout =
        config.getMillis(
            PATH_TIMEOUT_MS, Duration.ofSeconds(3), Duration.ofMillis(200), Duration.ofMinutes(1));
    Duration probe =
        config.getMillis(
            PATH_PROBE_MS, Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMinutes(10));
    BirthdaySettings birthday =
        new BirthdaySettings(
            config.getInt(
                BIRTHDAY_SOCKETS,
                BirthdaySettings.DEFAULT.sockets(),
                0,
                BirthdaySettings.MAX_SOCKETS),
            config.getInt(
                BIRTHDAY_PROBES,
                BirthdaySettings.DEFAULT.probes(),
                0,
                BirthdaySettings.MAX_PROBES));
    return new RelaySettings(
        servers(config),
        config.get(RELAY_TOKEN).orElse(""),
        new PathPolicy(relayOnly, directOnly, timeout, probe, birthday),
        receiveBuffer(config),
        config.getInt(RELAY_BATCHES, 1, 0, 1) == 1);
  }

  private static int receiveBuffer(P2PConfig config) {
    int bytes =
        config.getInt(
            RELAY_RECEIVE_BUFFER,
            RelayClient.SOCKET_RECEIVE_BUFFER,
            0,
            RelayClient.MAX_RECEIVE_BUFFER);
    if (bytes != 0 && bytes < RelayClient.MIN_RECEIVE_BUFFER) {
      throw new ConfigurationException(
          RELAY_RECEIVE_BUFFER
              + " must be 0 (the kernel's autotuning) or from "
              + RelayClient.MIN_RECEIVE_BUFFER
              + " to "
              + RelayClient.MAX_RECEIVE_BUFFER
              + " bytes, got "
              + bytes);
    }
    return bytes;
  }

  private static boolean flag(P2PConfig config, String key) {
    Optional<String> raw = config.get(key);
    if (raw.isEmpty()) {
      return false;
    }
    switch (raw.get().strip().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes":
        return true;
      case "false", "0", "no", "":
        return false;
      default:
        throw new ConfigurationException(key + " must be true or false, got '" + raw.get() + "'");
    }
  }

  private static List<URI> servers(P2PConfig config) {
    List<URI> result = new ArrayList<>();
    for (String part : config.get(RELAY_SERVERS).orElse("").split(",")) {
      String s = part.strip();
      if (s.isEmpty()) {
        continue;
      }
      try {
        URI u = normalize(new URI(s));
        if (!result.contains(u)) {
          result.add(u);
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        throw new ConfigurationException(
            RELAY_SERVERS
                + " must be comma-separated relay URLs such as http://relay.example.com:3340 or"
                + " https://relay.example.com; '"
                + s
                + "' is not one: "
                + e.getMessage(),
            e);
      }
    }
    return result;
  }

  /**
   * The canonical form of a relay URL, so the same relay named in a ticket and in the settings is
   * one login: lower-case scheme and host, explicit port, no path.
   *
   * @throws IllegalArgumentException if it is not an http(s) URL with a host
   */
  static URI normalize(URI u) {
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("the scheme must be http or https");
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new IllegalArgumentException("a host is missing");
    }
    String path = u.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/"))
        || u.getRawQuery() != null
        || u.getRawFragment() != null
        || u.getRawUserInfo() != null) {
      throw new IllegalArgumentException(
          "give only scheme, host and port (the client adds the /relay path)");
    }
    int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
    return URI.create(scheme + "://" + hostPart(u.getHost().toLowerCase(Locale.ROOT)) + ":" + port);
  }

  private static String hostPart(String host) {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }
}
