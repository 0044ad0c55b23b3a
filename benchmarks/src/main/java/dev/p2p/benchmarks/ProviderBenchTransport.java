package dev.p2p.benchmarks;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.util.concurrent.CompletableFuture;

/**
 * Any {@link P2PProvider}: two providers opened from the same configuration, one listening. Works
 * for every provider whose {@code listen(addr)} and {@code peerAddress()} are meaningful.
 */
final class ProviderBenchTransport implements BenchTransport {
  private final P2PProvider dialler;
  private final P2PProvider acceptor;
  private final P2PListener listener;
  private final AutoCloseable infrastructure;
  private final boolean byPeerIdOnly;

  /**
   * @param config opens both providers
   * @param infrastructure closed last (e.g. the tunnel server); may be null
   */
  ProviderBenchTransport(P2PConfig config, AutoCloseable infrastructure) {
    this(config, "", infrastructure);
  }

  ProviderBenchTransport(P2PConfig config, String listenAddress, AutoCloseable infrastructure) {
    this(config, listenAddress, infrastructure, false);
  }

  /**
   * @param byPeerIdOnly dial with the acceptor's {@link PeerAddress#of(dev.p2p.api.PeerId) PeerId
   *     alone}, so the provider must find it (through its relays)
   */
  ProviderBenchTransport(
      P2PConfig config, String listenAddress, AutoCloseable infrastructure, boolean byPeerIdOnly) {
    this.infrastructure = infrastructure;
    this.byPeerIdOnly = byPeerIdOnly;
    this.dialler = P2P.open(config);
    this.acceptor = P2P.open(config);
    this.listener = Waits.get(acceptor.listen(listenAddress));
  }

  @Override
  public BenchPair connect() {
    CompletableFuture<P2PConnection> accepted = listener.accept();
    PeerAddress target =
        byPeerIdOnly ? PeerAddress.of(listener.peerAddress().peerId()) : listener.peerAddress();
    P2PConnection out = Waits.get(dialler.connect(target));
    P2PConnection in = Waits.get(accepted);
    return new BenchPair(new Endpoint(out), new Endpoint(in));
  }

  @Override
  public void close() {
    listener.close();
    dialler.close();
    acceptor.close();
    if (infrastructure != null) {
      try {
        infrastructure.close();
      } catch (Exception e) {
        throw new IllegalStateException("closing " + infrastructure + " failed", e);
      }
    }
  }

  private record Endpoint(P2PConnection connection) implements BenchEndpoint {
    @Override
    public CompletableFuture<Void> send(byte[] message) {
      return connection.send(message);
    }

    @Override
    public CompletableFuture<byte[]> recv() {
      return connection.recv();
    }

    @Override
    public void close() {
      connection.close();
    }
  }
}
