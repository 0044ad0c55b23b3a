package dev.p2p.quic.process;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PeerAddress;
import dev.p2p.quic.internal.QuicP2PProvider;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Dials a ticket, puts {@code count} messages of {@code size} bytes in flight, waits for every send
 * future, closes the connection and the provider, and exits at once: what a user's program does.
 */
public final class BurstSender {
  public static void main(String[] args) throws Exception {
    PeerAddress target = PeerAddress.parseTicket(args[0]);
    int count = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    QuicP2PProvider provider = QuicP2PProvider.create(P2PConfig.fromEnvironment());
    P2PConnection conn = provider.connect(target).get(20, TimeUnit.SECONDS);
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      byte[] m = new byte[size];
      ByteBuffer.wrap(m).putInt(i);
      sends.add(conn.send(m));
    }
    CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    System.out.println("SENT " + count);
    conn.close();
    provider.close();
    System.out.println("CLOSED " + conn.closeFuture().isDone());
    System.exit(0);
  }
}
