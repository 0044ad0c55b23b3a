package dev.p2p.tunnel.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.internal.HostPort;
import dev.p2p.core.TransportSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The tunnel provider's configuration, read once from a {@link P2PConfig}.
 *
 * @param server the tunnel server, unless {@code listen(addr)} names it
 * @param token the access token the server may require
 * @param appId peers are only connected to peers of the same app id
 * @param transport the settings every provider shares ({@code P2P_CONNECT_TIMEOUT_MS}, {@code
 *     P2P_KEEPALIVE_MS}: how often the server is pinged, {@code P2P_IDLE_TIMEOUT_MS}: silence from
 *     the server after which the client reconnects, {@code P2P_CLOSE_LINGER_MS}, {@code
 *     P2P_MAX_MESSAGE_SIZE})
 * @param receiveBufferBytes unread bytes per connection before the client stops granting its sender
 *     more flow-control window
 * @param reconnectTimeout how long a connection waits in RECONNECTING before it closes
 * @param tls whether to speak TLS to the server
 * @param tlsTrust PEM certificates to trust instead of the JDK's trust store
 */
public record TunnelClientSettings(
    Optional<InetSocketAddress> server,
    String token,
    long appId,
    TransportSettings transport,
    long receiveBufferBytes,
    Duration reconnectTimeout,
    boolean tls,
    Optional<Path> tlsTrust) {

  public static final String SERVER = "P2P_TUNNEL_SERVER";
  public static final String TOKEN = "P2P_TUNNEL_TOKEN";
  public static final String APP_ID = "P2P_TUNNEL_APP_ID";
  public static final String RECEIVE_BUFFER = "P2P_TUNNEL_RECEIVE_BUFFER";
  public static final String RECONNECT_TIMEOUT_MS = "P2P_TUNNEL_RECONNECT_TIMEOUT_MS";
  public static final String TLS = "P2P_TUNNEL_TLS";
  public static final String TLS_TRUST = "P2P_TUNNEL_TLS_TRUST";

  public static TunnelClientSettings from(P2PConfig config) {
    Optional<InetSocketAddress> server =
        config.get(SERVER).filter(s -> !s.isBlank()).map(s -> parseServer(s, SERVER));
    TransportSettings transport = TransportSettings.from(config);
    long receiveBuffer = config.getLong(RECEIVE_BUFFER, 16L << 20, 1024, Long.MAX_VALUE);
    String tlsValue = config.get(TLS).orElse("false").strip();
    if (!tlsValue.equalsIgnoreCase("true") && !tlsValue.equalsIgnoreCase("false")) {
      throw new ConfigurationException(TLS + " must be true or false, got '" + tlsValue + "'");
    }
    return new TunnelClientSettings(
        server,
        config.get(TOKEN).orElse(""),
        config.getLong(APP_ID, 0, Long.MIN_VALUE, Long.MAX_VALUE),
        transport,
        receiveBuffer,
        config.getMillis(
            RECONNECT_TIMEOUT_MS,
            Duration.ofSeconds(30),
            Duration.ofMillis(10),
            Duration.ofDays(1)),
        tlsValue.equalsIgnoreCase("true"),
        config.get(TLS_TRUST).filter(s -> !s.isBlank()).map(Path::of));
  }

  public int maxMessageSize() {
    return transport.maxMessageSize();
  }

  public Duration connectTimeout() {
    return transport.connectTimeout();
  }

  /**
   * Parses {@code host:port} ({@code [v6]:port} for IPv6) without resolving it.
   *
   * @throws ConfigurationException naming {@code what} if malformed
   */
  public static InetSocketAddress parseServer(String text, String what) {
    String s = text.strip();
    if (s.startsWith("tunnel://")) {
      s = s.substring("tunnel://".length());
    }
    HostPort hp;
    try {
      hp = HostPort.parse(s);
    } catch (IllegalArgumentException e) {
      throw badServer(text, what);
    }
    if (hp.port() < 1 || hp.host().isEmpty()) {
      throw badServer(text, what);
    }
    return InetSocketAddress.createUnresolved(hp.host(), hp.port());
  }

  private static ConfigurationException badServer(String text, String what) {
    return new ConfigurationException(
        what + " must be host:port of the tunnel server (e.g. 127.0.0.1:7700), got '" + text + "'");
  }
}
