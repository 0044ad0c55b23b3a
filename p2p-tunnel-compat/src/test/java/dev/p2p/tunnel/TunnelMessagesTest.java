package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Push delivery on the tunnel: a subscriber that stops requesting stops its sender. */
class TunnelMessagesTest {
  @RegisterExtension final TunnelLab lab = new TunnelLab();

  private P2PProvider open() {
    return lab.open("P2P_TUNNEL_RECEIVE_BUFFER", Integer.toString(64 * 1024));
  }

  @Test
  void aSubscriberThatStopsRequestingStopsTheSenderAndResumes() throws Exception {
    P2PProvider a = open();
    P2PProvider b = open();
    P2PListener listener = await(b.listen(""));
    CompletableFuture<P2PConnection> in = listener.accept();
    P2PConnection out = await(a.connect(b.localPeerId()));
    P2PConnection peer = await(in);
    assertEquals(PathType.RELAYED, out.path().type());
    assertEquals(
        "tunnel://127.0.0.1:" + lab.server().port(), out.path().relay().orElseThrow().toString());

    LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
    CompletableFuture<Flow.Subscription> subscription = new CompletableFuture<>();
    CompletableFuture<Void> completed = new CompletableFuture<>();
    peer.messages()
        .subscribe(
            new Flow.Subscriber<byte[]>() {
              @Override
              public void onSubscribe(Flow.Subscription s) {
                subscription.complete(s);
                s.request(10);
              }

              @Override
              public void onNext(byte[] item) {
                got.add(item);
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
    int size = 32 * 1024;
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    CompletableFuture<Void> blocked = null;
    for (int i = 0; i < 2000 && blocked == null; i++) {
      byte[] m = new byte[size];
      m[0] = (byte) i;
      m[1] = (byte) (i >> 8);
      CompletableFuture<Void> f = out.send(m);
      sends.add(f);
      try {
        f.get(300, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        blocked = f;
      }
    }
    assertTrue(blocked != null, "a subscriber that requests no more must stop the sender");
    long accepted = (long) sends.size() * size;
    assertTrue(accepted < 8L << 20, "bounded memory: " + accepted + " bytes accepted");
    assertEquals(10, got.size(), "onNext never runs ahead of request(n)");
    assertFalse(blocked.isDone());

    subscription.get().request(Long.MAX_VALUE);
    await(blocked);
    out.close();
    await(completed); // onComplete after the peer's graceful close
    assertEquals(sends.size(), got.size());
    int i = 0;
    for (byte[] m : got) {
      assertEquals((byte) i, m[0], "message " + i);
      assertEquals((byte) (i >> 8), m[1], "message " + i);
      i++;
    }
    await(out.closeFuture());
  }
}
