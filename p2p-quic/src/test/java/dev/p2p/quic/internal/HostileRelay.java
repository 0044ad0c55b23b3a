package dev.p2p.quic.internal;

import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A relay that speaks the relay protocol but serves an attacker: it welcomes any login without
 * checking the signature, and before forwarding each packet it may flip payload bytes, drop it,
 * forward it twice, replay an old packet, hold it back to reorder, or rewrite the source id to
 * impersonate another peer. A test double: it exists only in test code.
 */
final class HostileRelay implements AutoCloseable {
  /** What the relay does to packets; probabilities in [0, 1]. */
  static final class Mischief {
    volatile double tamper;
    volatile double drop;
    volatile double duplicate;
    volatile double replayOld;
    volatile double reorder;

    /** Packets from {@code impersonator} are forwarded as if {@code victim} had sent them. */
    volatile PeerKey impersonator;

    volatile PeerKey victim;

    /** Packets for {@code redirectFrom} are delivered to {@code redirectTo} instead. */
    volatile PeerKey redirectFrom;

    volatile PeerKey redirectTo;
  }

  private record Pkt(PeerKey dst, PeerKey src, byte[] payload) {}

  final Mischief mischief = new Mischief();
  final AtomicLong tampered = new AtomicLong();
  final AtomicLong forwarded = new AtomicLong();
  private final MultiThreadIoEventLoopGroup group =
      new MultiThreadIoEventLoopGroup(
          1, new DefaultThreadFactory("hostile-relay", true), NioIoHandler.newFactory());
  private final Map<PeerKey, Channel> clients = new ConcurrentHashMap<>();
  private final Random random = new Random(42);
  private final ArrayDeque<Pkt> history = new ArrayDeque<>();
  private Pkt held;
  private final Channel server;

  HostileRelay() throws InterruptedException {
    WebSocketServerProtocolConfig ws =
        WebSocketServerProtocolConfig.newBuilder()
            .websocketPath(RelayProtocol.PATH)
            .subprotocols(RelayProtocol.SUBPROTOCOL)
            .decoderConfig(
                WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(1 << 20)
                    .withUTF8Validator(false)
                    .build())
            .build();
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(new WebSocketServerProtocolHandler(ws))
                        .addLast(new Session());
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
  }

  @Override
  public void close() {
    server.close();
    clients.values().forEach(Channel::close);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Everything runs on the relay's one thread, so the shared state needs no locks. */
  private final class Session extends SimpleChannelInboundHandler<BinaryWebSocketFrame> {
    private PeerKey self;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof HandshakeComplete) {
        byte[] challenge = new byte[RelayProtocol.CHALLENGE_LENGTH];
        random.nextBytes(challenge);
        ctx.writeAndFlush(
            new BinaryWebSocketFrame(RelayFrameCodec.challenge(ctx.alloc(), challenge)));
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, BinaryWebSocketFrame frame)
        throws Exception {
      RelayFrame f = RelayFrameCodec.decode(frame.content(), 1 << 20);
      if (f instanceof RelayFrame.Login login) {
        self = login.peer(); // no signature check: this relay does not care
        clients.put(self, ctx.channel());
        ctx.writeAndFlush(
            new BinaryWebSocketFrame(
                RelayFrameCodec.welcome(ctx.alloc(), 65_536, 15_000, 60_000, 512, 0)));
      } else if (f instanceof RelayFrame.Ping p) {
        ctx.writeAndFlush(new BinaryWebSocketFrame(RelayFrameCodec.pong(ctx.alloc(), p.data())));
      } else if (f instanceof RelayFrame.Packet p) {
        byte[] payload = new byte[p.payload().readableBytes()];
        p.payload().getBytes(p.payload().readerIndex(), payload);
        p.payload().release();
        PeerKey source = self;
        Mischief m = mischief;
        if (source.equals(m.impersonator) && m.victim != null) {
          source = m.victim;
        }
        PeerKey dst = p.peer();
        if (dst.equals(m.redirectFrom) && m.redirectTo != null) {
          dst = m.redirectTo;
        }
        mangle(dst, source, payload);
      }
    }

    private void mangle(PeerKey dst, PeerKey src, byte[] payload) {
      Mischief m = mischief;
      if (random.nextDouble() < m.drop) {
        return;
      }
      if (random.nextDouble() < m.tamper && payload.length > 0) {
        payload = payload.clone();
        payload[random.nextInt(payload.length)] ^= (byte) (1 + random.nextInt(255));
        tampered.incrementAndGet();
      }
      Pkt packet = new Pkt(dst, src, payload);
      history.addLast(packet);
      if (history.size() > 256) {
        history.removeFirst();
      }
      if (random.nextDouble() < m.reorder && held == null) {
        held = packet;
        return;
      }
      deliver(packet);
      if (held != null) {
        deliver(held);
        held = null;
      }
      if (random.nextDouble() < m.duplicate) {
        deliver(packet);
      }
      if (random.nextDouble() < m.replayOld && !history.isEmpty()) {
        deliver(history.peekFirst());
      }
    }

    private void deliver(Pkt packet) {
      Channel to = clients.get(packet.dst());
      if (to == null) {
        return;
      }
      ByteBuf payload = Unpooled.wrappedBuffer(packet.payload());
      forwarded.incrementAndGet();
      to.writeAndFlush(
          new BinaryWebSocketFrame(
              RelayFrameCodec.packet(to.alloc(), false, packet.src(), payload)));
      payload.release();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (self != null) {
        clients.remove(self, ctx.channel());
      }
      ctx.fireChannelInactive();
    }
  }
}
