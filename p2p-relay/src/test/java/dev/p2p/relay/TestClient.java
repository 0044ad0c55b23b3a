package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayClient;
import dev.p2p.relay.internal.RelayFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/** A logged-in {@link RelayClient} whose events land in queues a test polls with a timeout. */
final class TestClient implements AutoCloseable {
  static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  /** For clients that misbehave, so their own client-side work never delays the innocent ones. */
  static final EventLoopGroup OFFENDERS =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  static TestClient offender(RelayServer relay) {
    return login(relay, Ed25519Identity.generate(), o -> o.withGroup(OFFENDERS));
  }

  record Packet(PeerKey source, byte[] data) {}

  private final Ed25519Identity identity;
  private final BlockingQueue<Packet> packets = new LinkedBlockingQueue<>();
  private final BlockingQueue<PeerKey> gone = new LinkedBlockingQueue<>();
  private final BlockingQueue<Long> pongs = new LinkedBlockingQueue<>();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong receivedBytes = new AtomicLong();
  private volatile boolean keepPackets = true;
  private RelayClient client;

  private TestClient(Ed25519Identity identity) {
    this.identity = identity;
  }

  static TestClient login(RelayServer relay) {
    return login(relay, Ed25519Identity.generate(), o -> o);
  }

  static TestClient login(
      RelayServer relay, Ed25519Identity id, UnaryOperator<RelayClient.Options> tweak) {
    TestClient t = new TestClient(id);
    t.client =
        RelayClient.connect(
                tweak.apply(
                    RelayClient.Options.of(relay.url(), id, GROUP).withListener(t.listener())))
            .orTimeout(15, TimeUnit.SECONDS)
            .join();
    return t;
  }

  private RelayClient.Listener listener() {
    return new RelayClient.Listener() {
      @Override
      public void onPacket(PeerKey source, ByteBuf payload) {
        received.incrementAndGet();
        receivedBytes.addAndGet(payload.readableBytes());
        if (keepPackets) {
          packets.add(new Packet(source, ByteBufUtil.getBytes(payload)));
        }
      }

      @Override
      public void onPeerGone(PeerKey peer) {
        gone.add(peer);
      }

      @Override
      public void onPong(long data) {
        pongs.add(data);
      }
    };
  }

  /**
   * Waits until the relay's metrics contain {@code line}: counters of written packets move when the
   * write completes, which may be just after the receiver has the packet.
   */
  static String awaitMetric(RelayServer relay, String line) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String m = relay.metricsText();
    while (!m.contains(line + "\n") && System.nanoTime() < deadline) {
      Thread.sleep(10);
      m = relay.metricsText();
    }
    if (!m.contains(line + "\n")) {
      throw new AssertionError("no '" + line + "' in\n" + m);
    }
    return m;
  }

  PeerId id() {
    return identity.peerId();
  }

  PeerKey key() {
    return PeerKey.of(id());
  }

  RelayClient client() {
    return client;
  }

  /** Count packets only, without keeping them (for floods). */
  void countOnly() {
    keepPackets = false;
  }

  void send(TestClient to, byte[] data) {
    client.send(to.id(), Unpooled.wrappedBuffer(data));
  }

  Packet nextPacket(long millis) throws InterruptedException {
    Packet p = packets.poll(millis, TimeUnit.MILLISECONDS);
    assertNotNull(p, "no packet within " + millis + " ms");
    return p;
  }

  BlockingQueue<Packet> packets() {
    return packets;
  }

  BlockingQueue<PeerKey> gone() {
    return gone;
  }

  BlockingQueue<Long> pongs() {
    return pongs;
  }

  long receivedCount() {
    return received.get();
  }

  long receivedBytes() {
    return receivedBytes.get();
  }

  /** The reason frame the relay closed us with ({@code null} if none) within {@code millis}. */
  RelayFrame.Reason awaitClosed(long millis) {
    return client.closed().orTimeout(millis, TimeUnit.MILLISECONDS).join();
  }

  boolean isOpen() {
    return client.channel().isActive();
  }

  @Override
  public void close() {
    client.close();
  }
}
