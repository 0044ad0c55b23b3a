package dev.p2p.quic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.quic.process.BurstSender;
import dev.p2p.quic.process.PeerProcess;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Finding 5 of issue 10: a sender puts 1,000 messages in flight, sees every send future complete,
 * closes the connection and the provider, and its JVM exits at once. The receiver must get all
 * 1,000 in order, and then learn promptly that the peer closed (not 30 s later, not "the peer ended
 * the message stream").
 */
class LosslessExitTest {
  private static final int COUNT = 1000;
  private static final int SIZE = 16 * 1024;

  @Test
  void everyMessageSentBeforeProviderCloseAndExitArrivesInOrder() throws Exception {
    try (QuicP2PProvider receiver = QuicP2PProvider.create(P2PConfig.empty())) {
      P2PListener listener = receiver.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS);
      InetSocketAddress at = new InetSocketAddress("127.0.0.1", receiver.boundAddress().getPort());
      String ticket = PeerAddress.of(receiver.localPeerId(), List.of(at)).toTicket();
      try (PeerProcess sender =
          PeerProcess.start(
              BurstSender.class,
              Map.of(),
              ticket,
              Integer.toString(COUNT),
              Integer.toString(SIZE))) {
        P2PConnection conn = listener.accept().get(30, TimeUnit.SECONDS);
        int received = 0;
        ConnectionClosedException end = null;
        long endedAt = 0;
        while (end == null) {
          try {
            byte[] m = conn.recv().get(20, TimeUnit.SECONDS);
            assertEquals(SIZE, m.length);
            assertEquals(received, ByteBuffer.wrap(m).getInt(), "message order");
            received++;
          } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError(
                "received "
                    + received
                    + " of "
                    + COUNT
                    + ", then nothing for 20 s; sender: "
                    + sender.output());
          } catch (ExecutionException e) {
            end = assertInstanceOf(ConnectionClosedException.class, e.getCause());
            endedAt = System.nanoTime();
          }
        }
        assertEquals(COUNT, received, "messages received; sender said: " + sender.output());
        assertEquals(0, sender.awaitExit(30), sender.output());
        long sinceExit = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - endedAt);
        assertTrue(sinceExit >= 0);
        assertFalse(end.getMessage().contains("ended the message stream"), end.getMessage());
        assertTrue(end.getMessage().contains("the peer closed"), end.getMessage());
        assertTrue(sender.output().contains("CLOSED true"), sender.output());
        // The close handshake completed: the receiver's side ends normally too.
        try {
          conn.closeFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | CompletionException e) {
          throw new AssertionError("the receiver's close future failed", e);
        }
      }
    }
  }
}
