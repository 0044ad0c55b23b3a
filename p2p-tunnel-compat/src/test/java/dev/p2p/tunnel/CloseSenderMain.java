package dev.p2p.tunnel;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The sender of {@link TunnelCloseDeliveryTest}, run in its own JVM: sends, closes the connection
 * and the provider, and exits at once, as a command-line tool would.
 *
 * <p>Arguments: server port, receiver peer id, message count, message size.
 */
public final class CloseSenderMain {
  private CloseSenderMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    PeerId receiver = PeerId.parse(args[1]);
    int count = Integer.parseInt(args[2]);
    int size = Integer.parseInt(args[3]);
    P2PProvider provider =
        P2P.open(
            P2PConfig.builder()
                .implementation("tunnel")
                .set("P2P_TUNNEL_SERVER", "127.0.0.1:" + port)
                .build());
    P2PConnection conn = provider.connect(receiver).get(10, TimeUnit.SECONDS);
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] m = new byte[size];
      m[0] = (byte) i;
      m[1] = (byte) (i >> 8);
      sends.add(conn.send(m));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    conn.close();
    provider.close();
    // The exit code says whether the close future saw everything acknowledged.
    System.exit(
        conn.closeFuture().isDone() && !conn.closeFuture().isCompletedExceptionally() ? 0 : 3);
  }
}
