package dev.p2p.tunnel;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PProviderFactory;
import dev.p2p.tunnel.internal.TunnelProvider;

/**
 * Creates the "tunnel" provider ({@code P2P_IMPLEMENTATION=tunnel}): every connection is relayed by
 * the tunnel server named by {@code P2P_TUNNEL_SERVER=host:port} (or by {@code listen(addr)}).
 *
 * <p>Settings: {@code P2P_KEY_FILE} (identity, created owner-only when missing), {@code
 * P2P_TUNNEL_TOKEN} (the server's access token), {@code P2P_TUNNEL_APP_ID}, {@code
 * P2P_TUNNEL_RECONNECT_TIMEOUT_MS} (how long connections wait in RECONNECTING for the server, 30
 * s), {@code P2P_TUNNEL_RECEIVE_BUFFER}, {@code P2P_TUNNEL_TLS} and {@code P2P_TUNNEL_TLS_TRUST};
 * and the shared keys of {@link dev.p2p.core.TransportSettings} ({@code P2P_CONNECT_TIMEOUT_MS},
 * {@code P2P_KEEPALIVE_MS}, {@code P2P_IDLE_TIMEOUT_MS}, {@code P2P_CLOSE_LINGER_MS}, {@code
 * P2P_MAX_MESSAGE_SIZE}).
 *
 * <p>UNRELIABLE messages are carried reliably and in order: the tunnel is a TCP stream.
 */
public final class TunnelProviderFactory implements P2PProviderFactory {
  /** Below providers that can find a direct path: the tunnel is the fallback. */
  public static final int PRIORITY = 10;

  @Override
  public String name() {
    return TunnelProvider.NAME;
  }

  @Override
  public int priority() {
    return PRIORITY;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public P2PProvider create(P2PConfig config) {
    return new TunnelProvider(config);
  }
}
