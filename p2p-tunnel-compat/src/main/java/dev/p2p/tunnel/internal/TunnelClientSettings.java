package dev.p2p.tunnel.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.internal.HostPort;
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
 * @param maxMessageSize the largest message sent or received
 * @param receiveBufferBytes unread bytes per connection before reading from the server pauses
 * @param connectTimeout how long registering or opening a connection may take
 * @param reconnectTimeout how long a connection waits in RECONNECTING before it closes
 * @param pingInterval how often the server is pinged (the server's idle timeout may shorten it)
 * @param tls whether to speak TLS to the server
 * @param tlsTrust PEM certificates to trust instead of the JDK's trust store
 */
public record TunnelClientSettings(
    Optional<InetSocketAddress> server,
    String token,
    long appId,
    int maxMessageSize,
    long receiveBufferBytes,
    Duration connectTimeout,
    Duration reconnectTimeout,
    Duration pingInterval,
    boolean tls,
    Optional<Path> tlsTrust) {

  public static final String SERVER = "P2P_TUNNEL_SERVER";
  public static final String TOKEN = "P2P_TUNNEL_TOKEN";
  public static final String APP_ID = "P2P_TUNNEL_APP_ID";
  public static final String RECEIVE_BUFFER = "P2P_TUNNEL_RECEIVE_BUFFER";
  public static final String CONNECT_TIMEOUT_MS = "P2P_TUNNEL_CONNECT_TIMEOUT_MS";
  public static final String RECONNECT_TIMEOUT_MS = "P2P_TUNNEL_RECONNECT_TIMEOUT_MS";
  public static final String PING_INTERVAL_MS = "P2P_TUNNEL_PING_INTERVAL_MS";
  public static final String TLS = "P2P_TUNNEL_TLS";
  public static final String TLS_TRUST = "P2P_TUNNEL_TLS_TRUST";

  public static TunnelClientSettings from(P2PConfig config) {
    Optional<InetSocketAddress> server =
        config.get(SERVER).filter(s -> !s.isBlank()).map(s -> parseServer(s, SERVER));
    int maxMessageSize = config.maxMessageSize();
    long receiveBuffer =
        config.getLong(
            RECEIVE_BUFFER, Math.max(16L << 20, maxMessageSize), maxMessageSize, Long.MAX_VALUE);
    String tlsValue = config.get(TLS).orElse("false").strip();
    if (!tlsValue.equalsIgnoreCase("true") && !tlsValue.equalsIgnoreCase("false")) {
      throw new ConfigurationException(TLS + " must be true or false, got '" + tlsValue + "'");
    }
    return new TunnelClientSettings(
        server,
        config.get(TOKEN).orElse(""),
        config.getLong(APP_ID, 0, Long.MIN_VALUE, Long.MAX_VALUE),
        maxMessageSize,
        receiveBuffer,
        config.getMillis(
            CONNECT_TIMEOUT_MS, Duration.ofSeconds(10), Duration.ofMillis(10), Duration.ofHours(1)),
        config.getMillis(
            RECONNECT_TIMEOUT_MS,
            Duration.ofSeconds(30),
            Duration.ofMillis(10),
            Duration.ofDays(1)),
        config.getMillis(
            PING_INTERVAL_MS, Duration.ofSeconds(15), Duration.ofMillis(10), Duration.ofHours(1)),
        tlsValue.equalsIgnoreCase("true"),
        config.get(TLS_TRUST).filter(s -> !s.isBlank()).map(Path::of));
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
