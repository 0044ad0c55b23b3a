package dev.p2p.quic.process;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.quic.internal.QuicP2PProvider;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Listens on 127.0.0.1:{@code args[0]} (0 = any port) with the key in {@code P2P_KEY_FILE}, prints
 * its ticket, and reads whatever its peers send until it is killed.
 */
public final class ListeningPeer {
  public static void main(String[] args) throws Exception {
    QuicP2PProvider provider = QuicP2PProvider.create(P2PConfig.fromEnvironment());
    P2PListener listener = provider.listen("127.0.0.1:" + args[0]).get(10, TimeUnit.SECONDS);
    InetSocketAddress at = new InetSocketAddress("127.0.0.1", provider.boundAddress().getPort());
    System.out.println("TICKET " + PeerAddress.of(provider.localPeerId(), List.of(at)).toTicket());
    while (true) {
      P2PConnection c = listener.accept().get(1, TimeUnit.HOURS);
      drain(c);
    }
  }

  private static void drain(P2PConnection c) {
    c.recv()
        .whenComplete(
            (m, e) -> {
              if (e == null) {
                drain(c);
              }
            });
  }
}
