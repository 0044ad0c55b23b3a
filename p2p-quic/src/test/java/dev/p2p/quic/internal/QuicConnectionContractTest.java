package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Issue 10's connection guarantees on QUIC: receive paths, push delivery, close, errors. */
@ExtendWith(NettyLeakCheck.class)
class QuicConnectionContractTest {

  /** Finding 2: the provider used to complete the future the caller had already timed out. */
  @Test
  void aRecvTimedOutByTheCallerDoesNotSwallowTheNextMessage() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      CompletableFuture<byte[]> timedOut = p.accepted.recv().orTimeout(100, TimeUnit.MILLISECONDS);
      assertThrows(ExecutionException.class, () -> timedOut.get(5, TimeUnit.SECONDS));
      p.dialled.send(new byte[] {42}).get(5, TimeUnit.SECONDS);
      assertEquals(42, p.accepted.recv().get(5, TimeUnit.SECONDS)[0]);
    }
  }

  /**
   * A subscriber that stops requesting stops the sender (QUIC flow control): its send futures wait
   * with bounded buffers on both sides; requesting again delivers everything in order and the
   * waiting send completes.
   */
  @Test
  void aSubscriberThatStopsRequestingStopsTheSenderAndResumes() throws Exception {
    int window = 64 * 1024;
    int buffer = 64 * 1024;
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_QUIC_STREAM_WINDOW", Integer.toString(window))
            .set("P2P_QUIC_RECEIVE_BUFFER", Integer.toString(buffer))
            .build();
    int size = 16 * 1024;
    try (QuicPeers p = QuicPeers.connect(config)) {
      List<byte[]> got = new CopyOnWriteArrayList<>();
      AtomicReference<Flow.Subscription> sub = new AtomicReference<>();
      CompletableFuture<Void> completed = new CompletableFuture<>();
      p.accepted
          .messages()
          .subscribe(
              new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                  sub.set(s);
                  s.request(1);
                }

                @Override
                public void onNext(byte[] m) {
                  got.add(m);
                }

                @Override
                public void onError(Throwable t) {
                  completed.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                  completed.complete(null);
                }
              });
      assertInstanceOf(
          IllegalStateException.class,
          assertThrows(ExecutionException.class, () -> p.accepted.recv().get(5, TimeUnit.SECONDS))
              .getCause(),
          "one consumer per connection");

      CompletableFuture<Void> stalled = null;
      long accepted = 0;
      int sent = 0;
      while (sent < 2000) {
        CompletableFuture<Void> f = p.dialled.send(message(sent, size));
        sent++;
        try {
          f.get(1, TimeUnit.SECONDS);
          accepted += size;
        } catch (TimeoutException e) {
          stalled = f;
          break;
        }
      }
      assertTrue(stalled != null, "the sender must stall while the subscriber requests nothing");
      long bound = buffer + 2L * window + 2L * window + 2L * size + StreamOutbox.OUTBOX_BYTES;
      assertTrue(accepted <= bound, "accepted " + accepted + " bytes, bound " + bound);
      assertEquals(1, got.size(), "onNext never runs ahead of request(n)");

      sub.get().request(Long.MAX_VALUE);
      stalled.get(10, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (got.size() < sent && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(sent, got.size());
      for (int i = 0; i < sent; i++) {
        assertEquals(i, ByteBuffer.wrap(got.get(i)).getInt(), "order");
      }
      p.dialled.close();
      completed.get(10, TimeUnit.SECONDS); // onComplete after the peer's graceful close
      p.dialled.closeFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void closeFutureCompletesOnceThePeerHasEverything() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      for (int i = 0; i < 100; i++) {
        p.dialled.send(message(i, 1000));
      }
      p.dialled.close();
      p.dialled.closeFuture().get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 100; i++) {
        assertEquals(i, ByteBuffer.wrap(p.accepted.recv().get(5, TimeUnit.SECONDS)).getInt());
      }
      p.accepted.closeFuture().get(10, TimeUnit.SECONDS);
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> p.accepted.recv().get(5, TimeUnit.SECONDS));
      assertTrue(e.getCause().getMessage().contains("the peer closed"), e.getCause().getMessage());
    }
  }

  /**
   * The side that did not call close(): its close future completes normally when the closer took
   * everything it sent, and fails when the closer closed without reading it (what a side reads
   * after its own close is dropped, so it is not acknowledged).
   */
  @Test
  void theSideThatDidNotCloseIsToldWhetherTheCloserTookWhatItSent() throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_QUIC_STREAM_WINDOW", "65536")
            .set("P2P_QUIC_RECEIVE_BUFFER", "65536")
            .build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      for (int i = 0; i < 10; i++) {
        p.accepted.send(message(i, 1000));
      }
      for (int i = 0; i < 10; i++) {
        assertEquals(i, ByteBuffer.wrap(p.dialled.recv().get(5, TimeUnit.SECONDS)).getInt());
      }
      p.dialled.close();
      p.accepted.closeFuture().get(10, TimeUnit.SECONDS);
      p.dialled.closeFuture().get(10, TimeUnit.SECONDS);
    }
    try (QuicPeers p = QuicPeers.connect(config)) {
      List<CompletableFuture<Void>> sends = new CopyOnWriteArrayList<>();
      for (int i = 0; i < 40; i++) {
        sends.add(p.accepted.send(message(i, 16 * 1024)));
      }
      p.dialled.close(); // never read any of it
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> p.accepted.closeFuture().get(10, TimeUnit.SECONDS));
      ConnectionClosedException c = assertInstanceOf(ConnectionClosedException.class, e.getCause());
      assertTrue(c.getMessage().contains("not acknowledged"), c.getMessage());
      assertFalse(c.getMessage().contains(" 0 messages"), c.getMessage());
      for (CompletableFuture<Void> send : sends) {
        try {
          send.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException failed) {
          assertInstanceOf(ConnectionClosedException.class, failed.getCause());
        }
      }
      p.dialled.closeFuture().get(10, TimeUnit.SECONDS); // it sent nothing
    }
  }

  /** Linger 0: the provider resets at once; the close future says how much was not acknowledged. */
  @Test
  void aProviderClosedWithoutLingerResetsAndTheCloseFutureFails() throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_CLOSE_LINGER_MS", "0")
            .set("P2P_QUIC_STREAM_WINDOW", "65536")
            .set("P2P_QUIC_RECEIVE_BUFFER", "65536")
            .build();
    try (QuicPeers p = QuicPeers.connect(config)) {
      // Fill the pipe: the reader never reads, so this cannot all be acknowledged.
      for (int i = 0; i < 40; i++) {
        p.dialled.send(message(i, 16 * 1024));
      }
      long start = System.nanoTime();
      p.dialler.close();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(ms < 4000, "provider close took " + ms + " ms with linger 0");
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> p.dialled.closeFuture().get(5, TimeUnit.SECONDS));
      ConnectionClosedException c = assertInstanceOf(ConnectionClosedException.class, e.getCause());
      assertTrue(c.getMessage().contains("P2P_CLOSE_LINGER_MS=0"), c.getMessage());
      assertTrue(c.getMessage().contains("not acknowledged"), c.getMessage());
      assertFalse(c.getMessage().contains(" 0 messages"), c.getMessage());
    }
  }

  @Test
  void pathNamesTheRemoteAddress() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      assertEquals(PathType.DIRECT, p.dialled.path().type());
      assertEquals(
          new InetSocketAddress("127.0.0.1", p.listener.boundAddress().getPort()),
          p.dialled.path().address().orElseThrow());
      assertEquals(
          p.dialler.boundAddress().getPort(), p.accepted.path().address().orElseThrow().getPort());
    }
  }

  @Test
  void aConnectThatRunsOutOfTimeIsAP2PTimeoutException() throws Exception {
    P2PConfig config = P2PConfig.builder().set("P2P_CONNECT_TIMEOUT_MS", "300").build();
    try (DatagramSocket silent = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        QuicP2PProvider a = QuicP2PProvider.create(config, Ed25519Identity.generate())) {
      PeerAddress nobody =
          PeerAddress.of(
              Ed25519Identity.generate().peerId(),
              List.of(new InetSocketAddress("127.0.0.1", silent.getLocalPort())));
      ExecutionException e =
          assertThrows(ExecutionException.class, () -> a.connect(nobody).get(5, TimeUnit.SECONDS));
      assertInstanceOf(P2PTimeoutException.class, e.getCause());
      assertTrue(e.getCause().getMessage().contains("P2P_CONNECT_TIMEOUT_MS"));
    }
  }

  @Test
  void listeningTwiceIsAnIllegalStateException() throws Exception {
    try (QuicP2PProvider a =
        QuicP2PProvider.create(P2PConfig.empty(), Ed25519Identity.generate())) {
      a.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS);
      ExecutionException e =
          assertThrows(
              ExecutionException.class, () -> a.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS));
      assertInstanceOf(IllegalStateException.class, e.getCause());
    }
  }

  private static byte[] message(int index, int size) {
    byte[] m = new byte[size];
    ByteBuffer.wrap(m).putInt(index);
    return m;
  }
}
