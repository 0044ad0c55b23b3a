package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Finding 2 of issue 10: a {@code recv()} or {@code accept()} the caller timed out must not take
 * the next message or connection with it.
 */
class TunnelTimedOutCallsTest {
  @RegisterExtension final TunnelLab lab = new TunnelLab();

  private P2PProvider open() {
    return lab.open();
  }

  @Test
  void aTimedOutRecvDoesNotSwallowTheNextMessage() throws Exception {
    P2PProvider a = open();
    P2PProvider b = open();
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    P2PConnection peer = await(in);

    CompletableFuture<byte[]> timedOut = peer.recv().orTimeout(100, TimeUnit.MILLISECONDS);
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> timedOut.get(5, TimeUnit.SECONDS));
    assertEquals(TimeoutException.class, e.getCause().getClass());

    await(out.send(new byte[] {7}));
    assertArrayEquals(new byte[] {7}, await(peer.recv()), "the message after a timed-out recv");
  }

  @Test
  void aTimedOutAcceptDoesNotSwallowTheNextConnection() throws Exception {
    P2PProvider a = open();
    P2PProvider b = open();
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> timedOut =
        listener.accept().orTimeout(100, TimeUnit.MILLISECONDS);
    assertThrows(ExecutionException.class, () -> timedOut.get(5, TimeUnit.SECONDS));

    P2PConnection out = await(a.connect(b.localPeerId()));
    P2PConnection accepted = await(listener.accept());
    assertEquals(a.localPeerId(), accepted.peerId());
    await(out.send(new byte[] {9}));
    assertArrayEquals(new byte[] {9}, await(accepted.recv()));
  }
}
