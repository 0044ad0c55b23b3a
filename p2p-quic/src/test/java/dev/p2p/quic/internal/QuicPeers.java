package dev.p2p.quic.internal;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Two connected QUIC providers on loopback, for tests in this package. */
final class QuicPeers implements AutoCloseable {
  final QuicP2PProvider dialler;
  final QuicP2PProvider listener;
  final P2PListener acceptor;
  final QuicPeerChannel dialled;
  final QuicPeerChannel accepted;

  private QuicPeers(
      QuicP2PProvider dialler,
      QuicP2PProvider listener,
      P2PListener acceptor,
      QuicPeerChannel dialled,
      QuicPeerChannel accepted) {
    this.dialler = dialler;
    this.listener = listener;
    this.acceptor = acceptor;
    this.dialled = dialled;
    this.accepted = accepted;
  }

  static QuicPeers connect(P2PConfig config) throws Exception {
    return connect(config, "127.0.0.1:0", "127.0.0.1:0", null);
  }

  /**
   * Connects a dialler bound at {@code dialFrom} to a listener bound at {@code listenOn}, dialling
   * the given addresses (or the listener's bound one when null; the port is always the bound one).
   */
  static QuicPeers connect(
      P2PConfig config, String dialFrom, String listenOn, List<String> dialHosts) throws Exception {
    QuicP2PProvider b = QuicP2PProvider.create(config, Ed25519Identity.generate());
    QuicP2PProvider a = QuicP2PProvider.create(config, Ed25519Identity.generate());
    try {
      P2PListener l = b.listen(listenOn).get(5, TimeUnit.SECONDS);
      a.listen(dialFrom).get(5, TimeUnit.SECONDS).close();
      int port = b.boundAddress().getPort();
      List<InetSocketAddress> targets =
          dialHosts == null
              ? List.of(new InetSocketAddress("127.0.0.1", port))
              : dialHosts.stream().map(h -> new InetSocketAddress(h, port)).toList();
      P2PConnection c =
          a.connect(PeerAddress.of(b.localPeerId(), targets)).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      return new QuicPeers(a, b, l, (QuicPeerChannel) c, (QuicPeerChannel) s);
    } catch (Exception | Error e) {
      a.close();
      b.close();
      throw e;
    }
  }

  @Override
  public void close() {
    dialler.close();
    listener.close();
  }
}
