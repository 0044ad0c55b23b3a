package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.tunnel.internal.TunnelProtocol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 10, findings 1 and 5 on the tunnel: close() and provider.close() lose nothing. */
class TunnelCloseDeliveryTest {
  @RegisterExtension final TunnelLab lab = new TunnelLab();

  private P2PProvider open(String linger) {
    return open(linger, "16777216");
  }

  private P2PProvider open(String linger, String receiveBuffer) {
    return lab.open("P2P_CLOSE_LINGER_MS", linger, "P2P_TUNNEL_RECEIVE_BUFFER", receiveBuffer);
  }

  /**
   * 1,000 sends, all accepted, then close(), provider.close() and exit, in another JVM: the
   * receiver gets all 1,000 in order, then the graceful end.
   */
  @Test
  void aSenderThatExitsRightAfterProviderCloseDeliversEverything() throws Exception {
    int count = 1000;
    int size = 16 * 1024; // 16 MB: far more than the window, so the close overtakes nothing
    P2PProvider receiver = open("5000");
    P2PListener listener = await(receiver.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    Process sender =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                CloseSenderMain.class.getName(),
                Integer.toString(lab.server().port()),
                receiver.localPeerId().toString(),
                Integer.toString(count),
                Integer.toString(size))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      P2PConnection conn = in.get(30, TimeUnit.SECONDS);
      for (int i = 0; i < count; i++) {
        byte[] m = conn.recv().get(30, TimeUnit.SECONDS);
        assertEquals(size, m.length);
        assertEquals((byte) i, m[0], "message " + i);
        assertEquals((byte) (i >> 8), m[1], "message " + i);
      }
      assertThrows(ConnectionClosedException.class, () -> await(conn.recv()));
      assertTrue(sender.waitFor(30, TimeUnit.SECONDS), "the sender exits");
      assertEquals(0, sender.exitValue(), "the sender's close future completed normally");
      await(conn.closeFuture());
    } finally {
      sender.destroyForcibly();
    }
  }

  @Test
  void closeFutureCompletesOnceThePeerHasEverything() throws Exception {
    P2PProvider a = open("5000");
    P2PProvider b = open("5000");
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    P2PConnection peer = await(in);
    for (int i = 0; i < 100; i++) {
      out.send(new byte[32 * 1024]);
    }
    out.close();
    await(out.closeFuture());
    for (int i = 0; i < 100; i++) {
      assertEquals(32 * 1024, await(peer.recv()).length);
    }
    await(peer.closeFuture());
  }

  /** The receiver's provider goes away without a linger: the sender's close future says so. */
  @Test
  void closeFutureFailsWhenThePeerVanishesMidTransfer() throws Exception {
    P2PProvider a = open("5000");
    P2PProvider b = open("0", "65536");
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    await(in); // never read: the window fills and the sends wait
    for (int i = 0; i < 200; i++) {
      out.send(new byte[32 * 1024]);
    }
    out.close();
    Thread.sleep(200); // real sockets: let the window fill
    assertFalse(out.closeFuture().isDone(), "nothing was read, so nothing is acknowledged");
    b.close();
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> out.closeFuture().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
    assertTrue(e.getCause().getMessage().contains("not acknowledged"), e.getCause().getMessage());
  }

  private P2PConnection[] pair(P2PProvider a, P2PProvider b) throws Exception {
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    return new P2PConnection[] {out, await(in)};
  }

  private static ConnectionClosedException closeFailure(P2PConnection c) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> c.closeFuture().get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
    return (ConnectionClosedException) e.getCause();
  }

  /** Every send settles: accepted, or failed with ConnectionClosedException. */
  private static void assertSettled(List<CompletableFuture<Void>> sends) throws Exception {
    for (CompletableFuture<Void> f : sends) {
      try {
        f.get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
      }
    }
  }

  /**
   * The receiver closes its connection (its provider stays) without reading: what arrives after its
   * close is discarded, so the sender's close future fails and says so, instead of waiting forever
   * for an acknowledgement that cannot come. The receiver sent nothing: its close is fine.
   */
  @Test
  void aReceiverThatClosesWithoutReadingFailsTheSendersCloseFuture() throws Exception {
    P2PConnection[] c = pair(open("5000"), open("5000", "65536"));
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      sends.add(c[0].send(new byte[32 * 1024])); // 6.4 MB: beyond the window and the inbox
    }
    c[0].close();
    c[1].close();
    ConnectionClosedException e = closeFailure(c[0]);
    assertTrue(e.getMessage().contains("discarded"), e.getMessage());
    assertTrue(e.getMessage().contains("not acknowledged"), e.getMessage());
    assertSettled(sends);
    await(c[1].closeFuture());
  }

  /**
   * The receiver's side of the test above, many times: it sent nothing, so its close future
   * succeeds whichever arrives first after its END, the sender's END or the acknowledgement of its
   * own (once, when the sender's END came first, it failed as if something of its own were lost).
   */
  @Test
  void aReceiverThatSentNothingClosesCleanlyWhicheverEndComesFirst() throws Exception {
    P2PProvider a = open("5000");
    P2PProvider b = open("5000", "65536");
    P2PListener listener = await(b.listen(""));
    int size = 32 * 1024;
    for (int round = 0; round < 40; round++) {
      CompletableFuture<P2PConnection> in = listener.accept();
      P2PConnection[] c = {await(a.connect(b.localPeerId())), await(in)};
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < TunnelProtocol.INITIAL_WINDOW / size + 8; i++) {
        sends.add(c[0].send(new byte[size]));
      }
      c[0].close();
      c[1].close();
      closeFailure(c[0]);
      assertSettled(sends);
      ExecutionException none = null;
      try {
        c[1].closeFuture().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        none = e;
      }
      assertEquals(null, none, "round " + round + ": the receiver's close future failed");
    }
  }

  /** Both ends read everything, then close at once: the ENDs cross and both close futures hold. */
  @Test
  void simultaneousCloseAfterReadingEverythingSucceedsAtBothEnds() throws Exception {
    P2PConnection[] c = pair(open("5000"), open("5000"));
    int count = 50;
    for (int i = 0; i < count; i++) {
      c[0].send(new byte[] {(byte) i});
      c[1].send(new byte[] {(byte) -i});
    }
    for (int i = 0; i < count; i++) {
      assertEquals((byte) -i, await(c[0].recv())[0]);
      assertEquals((byte) i, await(c[1].recv())[0]);
    }
    CompletableFuture<Void> closeA = CompletableFuture.runAsync(c[0]::close);
    c[1].close();
    await(closeA);
    await(c[0].closeFuture());
    await(c[1].closeFuture());
    assertThrows(ConnectionClosedException.class, () -> await(c[0].recv()));
    assertThrows(ConnectionClosedException.class, () -> await(c[1].recv()));
  }

  /**
   * The same crossing close, many times: the peer's END arriving while the local close is under way
   * must still end the inbox (it once slipped between the two: recv() hung after both close futures
   * had completed, about one time in twenty).
   */
  @Test
  void everySimultaneousCloseEndsBothInboxes() throws Exception {
    P2PProvider a = open("5000");
    P2PProvider b = open("5000");
    P2PListener listener = await(b.listen(""));
    for (int round = 0; round < 200; round++) {
      CompletableFuture<P2PConnection> in = listener.accept();
      P2PConnection[] c = {await(a.connect(b.localPeerId())), await(in)};
      c[0].send(new byte[] {1});
      c[1].send(new byte[] {2});
      await(c[0].recv());
      await(c[1].recv());
      CompletableFuture<Void> closeA = CompletableFuture.runAsync(c[0]::close);
      c[1].close();
      await(closeA);
      await(c[0].closeFuture());
      await(c[1].closeFuture());
      for (P2PConnection end : c) {
        CompletableFuture<byte[]> next = end.recv();
        ExecutionException e =
            assertThrows(
                ExecutionException.class, () -> next.get(2, TimeUnit.SECONDS), "round " + round);
        assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
      }
    }
  }

  /**
   * Both ends send more than a window and close at once without reading: each discards what the
   * other sent after its close, so neither END can be acknowledged. Both close futures fail, and
   * neither waits for an acknowledgement that would never come.
   */
  @Test
  void simultaneousCloseWithDataCrossingFailsBothAndHangsNeither() throws Exception {
    P2PProvider a = open("5000", "65536");
    P2PProvider b = open("5000", "65536");
    P2PListener listener = await(b.listen(""));
    int size = 32 * 1024;
    for (int round = 0; round < 30; round++) {
      CompletableFuture<P2PConnection> in = listener.accept();
      P2PConnection[] c = {await(a.connect(b.localPeerId())), await(in)};
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (int i = 0; i < 2 * TunnelProtocol.INITIAL_WINDOW / size; i++) {
        sends.add(c[0].send(new byte[size]));
        sends.add(c[1].send(new byte[size]));
      }
      c[0].close();
      c[1].close();
      for (P2PConnection end : c) {
        ExecutionException e =
            assertThrows(
                ExecutionException.class,
                () -> end.closeFuture().get(10, TimeUnit.SECONDS),
                "round " + round + ": a close future held although the peer discarded data");
        assertTrue(e.getCause() instanceof ConnectionClosedException, e.getCause().toString());
        assertTrue(
            e.getCause().getMessage().contains("not acknowledged"), e.getCause().getMessage());
      }
      assertSettled(sends);
    }
  }
}
