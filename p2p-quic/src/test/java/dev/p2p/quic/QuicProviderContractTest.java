package dev.p2p.quic;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.testkit.P2PProviderContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole provider contract over loopback. Each provider gets a free loopback port up front, so
 * every provider of a test can find every other by id (its ticket is added as a bootstrap peer),
 * and a provider that never listens has an address where nothing answers.
 */
@ExtendWith(NettyLeakCheck.class)
class QuicProviderContractTest extends P2PProviderContract {
  private final Map<P2PProvider, InetSocketAddress> ports = new IdentityHashMap<>();
  private final List<QuicP2PProvider> made = new ArrayList<>();
  private final List<DatagramSocket> silentSockets = new ArrayList<>();

  @Override
  protected P2PProvider newProvider(String name) {
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_CONNECT_TIMEOUT_MS", "3000")
            .set("P2P_IDLE_TIMEOUT_MS", "10000")
            .set("P2P_KEEPALIVE_MS", "3000")
            // Dialling before listening binds the same address listen() later asks for.
            .set("P2P_QUIC_BIND", "127.0.0.1:" + address.getPort())
            .build();
    QuicP2PProvider provider = QuicP2PProvider.create(config);
    PeerAddress ticket = PeerAddress.of(provider.localPeerId(), List.of(address));
    for (QuicP2PProvider other : made) {
      other.addKnownPeer(ticket);
      provider.addKnownPeer(PeerAddress.of(other.localPeerId(), List.of(ports.get(other))));
    }
    made.add(provider);
    ports.put(provider, address);
    return provider;
  }

  private static int freePort() {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected String listenAddress(P2PProvider provider) {
    InetSocketAddress a = ports.get(provider);
    return a.getAddress().getHostAddress() + ":" + a.getPort();
  }

  @Override
  protected PeerAddress nonListeningAddress(P2PProvider provider) {
    // Its socket is there once it dials, but it never listens.
    return PeerAddress.of(provider.localPeerId(), List.of(ports.get(provider)));
  }

  /**
   * A loopback UDP port held open by a socket that never reads or answers: no ICMP port
   * unreachable, no QUIC reply, so only the dialler's P2P_CONNECT_TIMEOUT_MS (3 s here, for every
   * provider: the hook cannot set it for one) ends the dial.
   */
  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    try {
      DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
      silentSockets.add(silent);
      byte[] key = new byte[PeerId.KEY_LENGTH];
      ThreadLocalRandom.current().nextBytes(key);
      return Optional.of(
          PeerAddress.of(
              PeerId.fromPublicKey(key),
              List.of((InetSocketAddress) silent.getLocalSocketAddress())));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @AfterEach
  void closeSilentSockets() {
    silentSockets.forEach(DatagramSocket::close);
    silentSockets.clear();
  }

  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(20);
  }
}
