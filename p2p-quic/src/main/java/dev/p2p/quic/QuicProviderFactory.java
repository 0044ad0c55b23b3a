package dev.p2p.quic;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PProviderFactory;
import dev.p2p.quic.internal.QuicP2PProvider;
import io.netty.handler.codec.quic.Quic;

/**
 * Registers the QUIC transport as {@code P2P_IMPLEMENTATION=quic}: TLS 1.3 with mutual Ed25519
 * authentication over Netty's native QUIC codec.
 *
 * <p>Configuration: {@code P2P_KEY_FILE}, {@code P2P_BOOTSTRAP_PEERS} (comma-separated tickets),
 * {@code P2P_KEEPALIVE_MS} (15000), {@code P2P_IDLE_TIMEOUT_MS} (30000), {@code
 * P2P_CONNECT_TIMEOUT_MS} (10000), {@code P2P_MAX_MESSAGE_SIZE}, {@code P2P_QUIC_MAX_UDP_PAYLOAD}
 * (default 65527 on a loopback-bound socket, else 1350), {@code P2P_QUIC_BIND} (0.0.0.0:0).
 */
public final class QuicProviderFactory implements P2PProviderFactory {
  @Override
  public String name() {
    return "quic";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public boolean isAvailable() {
    try {
      return Quic.isAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  @Override
  public P2PProvider create(P2PConfig config) {
    return QuicP2PProvider.create(config);
  }
}
