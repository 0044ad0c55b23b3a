package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.quic.internal.path.traversal.AuthenticatedProbes;
import dev.p2p.quic.internal.path.traversal.BirthdaySettings;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour.BirthdayRole;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The hard and easy sides of birthday probing in process, with real sockets on loopback: the test
 * plays the peer with a plain socket and the peer's probe secrets. Resources are bounded (every
 * extra socket closes after success, failure or the path leaving it; a second attempt while one
 * runs opens nothing), and only an authenticated, fresh ping picks a winner: a forged or replayed
 * one is not answered and moves nothing.
 */
@ExtendWith(NettyLeakCheck.class)
class BirthdayPunchingTest {
  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  private MultiThreadIoEventLoopGroup group;
  private EventLoop loop;
  private Channel main;
  private ChannelHandlerContext ctx;
  private final LinkedBlockingQueue<DatagramPacket> toQuic = new LinkedBlockingQueue<>();
  private final PeerPaths paths = new PeerPaths();
  private final AuthenticatedProbes<PeerPath> probes = new AuthenticatedProbes<>();
  private final ProbeKeys peerKeys = new ProbeKeys(); // the peer's secrets for its path to us
  private final AuthenticatedProbes<String> peerProbes = new AuthenticatedProbes<>();
  private DatagramChannel peer;
  private InetSocketAddress peerAddress;
  private PeerPath path;
  private BirthdayPunching birthday;

  @BeforeEach
  void setUp() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    loop = group.next();
    main =
        new Bootstrap()
            .group(loop)
            .channel(NioDatagramChannel.class)
            .handler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void handlerAdded(ChannelHandlerContext c) {
                    ctx = c;
                    c.pipeline()
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelRead(ChannelHandlerContext q, Object msg) {
                                toQuic.add((DatagramPacket) msg); // what QUIC would get
                              }
                            });
                  }
                })
            .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .sync()
            .channel();
    peer = DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    peer.socket().setSoTimeout(2000);
    peerAddress = (InetSocketAddress) peer.getLocalAddress();
    path = onLoop(() -> paths.newPath(List.of()));
    path.keys.remote(peerKeys.localTag(), peerKeys.localKeyCopy());
    peerKeys.remote(path.keys.localTag(), path.keys.localKeyCopy());
  }

  @AfterEach
  void tearDown() throws Exception {
    main.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    peer.close();
    toQuic.forEach(DatagramPacket::release);
  }

  private void start(BirthdaySettings settings) throws Exception {
    birthday = new BirthdayPunching(paths, settings, probes);
    birthday.monitor(new PathMonitor(null, paths, PathPolicy.DEFAULT, null));
    loop.scheduleAtFixedRate(
        () -> birthday.tick(ctx, System.nanoTime()), 20, 20, TimeUnit.MILLISECONDS);
  }

  private <T> T onLoop(Callable<T> c) throws Exception {
    return loop.submit(c).get(5, TimeUnit.SECONDS);
  }

  private void await(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!onLoop(condition::getAsBoolean)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  /** One datagram to the peer, or null after the timeout. */
  private Received receive(long timeoutMs) throws Exception {
    peer.socket().setSoTimeout((int) timeoutMs);
    byte[] buf = new byte[2048];
    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
    try {
      peer.socket().receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return new Received(
        Unpooled.copiedBuffer(buf, 0, p.getLength()), (InetSocketAddress) p.getSocketAddress());
  }

  private record Received(ByteBuf content, InetSocketAddress from) {}

  private void send(ByteBuf b, InetSocketAddress to) throws Exception {
    try {
      peer.send(b.nioBuffer(), to);
    } finally {
      b.release();
    }
  }

  /** The hard side's first pings: one from each socket, all valid under the peer's key. */
  private List<InetSocketAddress> firstPings(int n) throws Exception {
    Set<InetSocketAddress> from = new LinkedHashSet<>();
    for (int i = 0; i < n; i++) {
      Received r = receive(5000);
      assertNotNull(r, "ping " + i + " of " + n);
      try {
        assertTrue(AuthenticatedProbes.isPing(r.content()));
        ByteBuf pong = peerProbes.answer(ALLOC, r.content(), peerKeys);
        assertNotNull(pong, "each socket's ping is authenticated under the peer's key");
        pong.release();
        from.add(r.from());
      } finally {
        r.content().release();
      }
    }
    assertEquals(n, from.size(), "one ping from each of " + n + " sockets");
    return new ArrayList<>(from);
  }

  private ByteBuf validPing(InetSocketAddress to) {
    return peerProbes.ping(ALLOC, "peer", peerKeys.remote(), to, System.nanoTime());
  }

  @Test
  void aForgedOrReplayedPingMovesNothingAndAValidOneKeepsOnlyTheWinner() throws Exception {
    start(new BirthdaySettings(32, 64));
    onLoop(
        () -> {
          birthday.startForTest(ctx, path, BirthdayRole.HARD, peerAddress);
          return null;
        });
    List<InetSocketAddress> sockets = firstPings(32);
    assertEquals(32, onLoop(birthday::socketsOpen));
    InetSocketAddress target = sockets.get(7);

    // A ping under a wrong key (an off-path attacker who guessed the tag): not answered.
    ProbeKeys.Remote wrong = new ProbeKeys.Remote(path.keys.localTag(), new byte[32]);
    send(peerProbes.ping(ALLOC, "x", wrong, target, 1), target);
    assertNull(receive(300), "a forged ping gets no answer");
    assertEquals(32, onLoop(birthday::socketsOpen), "and picks no winner");
    assertNull(onLoop(path::current), "and moves nothing");

    // A valid ping: pong and the winner's own ping back, from the socket pinged; losers close.
    ByteBuf ping = validPing(target);
    ByteBuf replay = ping.copy();
    send(ping, target);
    ByteBuf triggered = null;
    for (int i = 0; i < 2; i++) {
      Received r = receive(2000);
      assertNotNull(r, "the pong and the triggered ping");
      assertEquals(target, r.from(), "answered through the socket pinged");
      if (AuthenticatedProbes.isPing(r.content())) {
        triggered = r.content();
      } else {
        assertNotNull(peerProbes.answered(r.content(), target), "a pong to our ping");
        r.content().release();
      }
    }
    assertNotNull(triggered);
    await("the 31 losers closed", () -> birthday.socketsOpen() == 1);
    assertNull(onLoop(path::current), "a ping alone moves nothing: only a pong does");

    // The same ping again: a replay, not answered.
    send(replay, target);
    Received again = receive(300);
    if (again != null) {
      // Only the winner's repeated own ping may come (every 200 ms until its pong).
      assertTrue(AuthenticatedProbes.isPing(again.content()), "no pong for a replay");
      again.content().release();
    }

    // The pong to the winner's ping confirms the path: direct, via the winner socket.
    ByteBuf pong = peerProbes.answer(ALLOC, triggered, peerKeys);
    triggered.release();
    send(pong, target);
    await("the path moved to the winner", () -> path.current() instanceof Route.Direct);
    Route.Direct d = (Route.Direct) onLoop(path::current);
    assertEquals(peerAddress, d.address());
    assertEquals(target.getPort(), ((InetSocketAddress) d.via().localAddress()).getPort());

    // The peer's QUIC through the winner reaches QUIC under the path's virtual address.
    byte[] quic = new byte[60];
    quic[0] = 0x40;
    send(Unpooled.wrappedBuffer(quic), target);
    DatagramPacket in = toQuic.poll(2, TimeUnit.SECONDS);
    assertNotNull(in, "QUIC through the winner");
    assertEquals(path.virtualAddress, in.sender());
    assertEquals(main.localAddress(), in.recipient(), "our own socket's address: no new path");
    in.release();

    // From another address the winner passes no QUIC on.
    try (DatagramChannel other =
        DatagramChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
      other.send(ByteBuffer.wrap(quic), target);
      assertNull(toQuic.poll(300, TimeUnit.MILLISECONDS));
    }

    // The path leaves the winner (failover to a relay): the winner closes too.
    onLoop(
        () -> {
          path.select(new Route.Relayed(URI.create("http://relay.test:3340")), "test", true);
          return null;
        });
    await("the winner closed", () -> birthday.socketsOpen() == 0);
    BirthdayStats s = onLoop(birthday::stats);
    assertEquals(1, s.attempts());
    assertEquals(1, s.successes());
    assertEquals(32, s.socketsOpened());
    assertEquals(32, s.probesSent());
  }

  @Test
  void anAttemptThatHearsNothingClosesEverySocketAtTheEndOfItsWindow() throws Exception {
    start(new BirthdaySettings(16, 64));
    onLoop(
        () -> {
          birthday.startForTest(ctx, path, BirthdayRole.HARD, peerAddress);
          return null;
        });
    firstPings(16);
    assertEquals(16, onLoop(birthday::socketsOpen));
    long deadline = System.nanoTime() + BirthdayPunching.WINDOW_NANOS + TimeUnit.SECONDS.toNanos(2);
    while (onLoop(birthday::socketsOpen) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, onLoop(birthday::socketsOpen), "all closed once the window passed");
    BirthdayStats s = onLoop(birthday::stats);
    assertEquals(1, s.attempts());
    assertEquals(0, s.successes());
  }

  @Test
  void offersCannotMakeUsOpenOrSprayMoreThanTheSettingsAllow() throws Exception {
    start(new BirthdaySettings(24, 100));
    // A second path whose peer also claims a varying mapping, at once: one attempt's sockets at a
    // time per provider, so it opens nothing while the first runs.
    PeerPath second = onLoop(() -> paths.newPath(List.of()));
    second.keys.remote(peerKeys.localTag(), peerKeys.localKeyCopy());
    TraversalOffer easyPeer =
        new TraversalOffer(1, new byte[32], List.of(), MappingBehaviour.INDEPENDENT, peerAddress);
    onLoop(
        () -> {
          for (int i = 0; i < 10; i++) { // the same offer again and again changes nothing
            birthday.offerReceived(ctx, path, MappingBehaviour.VARIES, easyPeer, System.nanoTime());
            birthday.offerReceived(
                ctx, second, MappingBehaviour.VARIES, easyPeer, System.nanoTime());
          }
          return null;
        });
    firstPings(24);
    assertNull(receive(300), "no socket beyond the 24 of one attempt");
    assertEquals(24, onLoop(birthday::socketsOpen));
    assertEquals(1, onLoop(birthday::stats).attempts(), "the other path's attempt was skipped");

    // The easy side: a spray of exactly the configured count at the claimed public address.
    PeerPath third = onLoop(() -> paths.newPath(List.of()));
    third.keys.remote(peerKeys.localTag(), peerKeys.localKeyCopy());
    TraversalOffer hardPeer =
        new TraversalOffer(
            1,
            new byte[32],
            List.of(),
            MappingBehaviour.VARIES,
            // 127.0.0.2: no socket of this test listens there (the spray hits random ports).
            new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 9));
    long before = onLoop(birthday::stats).probesSent();
    onLoop(
        () -> {
          birthday.offerReceived(
              ctx, third, MappingBehaviour.INDEPENDENT, hardPeer, System.nanoTime());
          return null;
        });
    Thread.sleep(
        TimeUnit.NANOSECONDS.toMillis(
                BirthdayPunching.SPRAY_DELAY_NANOS + BirthdayPunching.SPRAY_NANOS)
            + 500);
    assertEquals(100, onLoop(birthday::stats).probesSent() - before, "the spray: 100 probes");
  }

  @Test
  void theRoleFollowsBothMappings() {
    MappingBehaviour v = MappingBehaviour.VARIES;
    MappingBehaviour i = MappingBehaviour.INDEPENDENT;
    assertEquals(BirthdayRole.HARD, MappingBehaviour.role(v, i));
    assertEquals(BirthdayRole.EASY, MappingBehaviour.role(i, v));
    assertEquals(BirthdayRole.NONE, MappingBehaviour.role(v, v), "EDM x EDM: nothing to gain");
    assertEquals(BirthdayRole.NONE, MappingBehaviour.role(i, i), "plain punching does it");
    assertEquals(BirthdayRole.NONE, MappingBehaviour.role(v, MappingBehaviour.OPEN));
    assertEquals(BirthdayRole.NONE, MappingBehaviour.role(MappingBehaviour.UNKNOWN, v));
  }
}
