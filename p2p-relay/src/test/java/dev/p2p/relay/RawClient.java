package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayProtocol;
import dev.p2p.relay.internal.RelayProtocolException;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket to the relay that does nothing by itself: the test reads each frame the relay sends
 * and writes whatever it likes, so it can log in wrongly or break the protocol.
 */
final class RawClient implements AutoCloseable {
  private final BlockingQueue<RelayFrame> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<Void> upgraded = new CompletableFuture<>();
  private final Channel channel;

  RawClient(RelayServer relay) {
    URI ws = URI.create("ws://" + relay.url().getAuthority() + RelayProtocol.PATH);
    WebSocketClientProtocolConfig config =
        WebSocketClientProtocolConfig.newBuilder()
            .webSocketUri(ws)
            .subprotocol(RelayProtocol.SUBPROTOCOL)
            .maxFramePayloadLength(1 << 20)
            .build();
    channel =
        new Bootstrap()
            .group(TestClient.GROUP)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpClientCodec())
                        .addLast(new HttpObjectAggregator(8192))
                        .addLast(new WebSocketClientProtocolHandler(config))
                        .addLast(new Collector());
                  }
                })
            .connect(relay.url().getHost(), relay.url().getPort())
            .syncUninterruptibly()
            .channel();
  }

  /** The next frame from the relay within {@code millis}. */
  RelayFrame next(long millis) throws InterruptedException {
    RelayFrame f = frames.poll(millis, TimeUnit.MILLISECONDS);
    assertNotNull(f, "no frame from the relay within " + millis + " ms");
    return f;
  }

  RelayFrame.Challenge challenge() throws InterruptedException {
    return (RelayFrame.Challenge) next(5000);
  }

  void send(ByteBuf frame) {
    channel.writeAndFlush(new BinaryWebSocketFrame(frame));
  }

  void send(WebSocketFrame frame) {
    channel.writeAndFlush(frame);
  }

  Channel channel() {
    return channel;
  }

  boolean awaitInactive(long millis) {
    return channel.closeFuture().awaitUninterruptibly(millis);
  }

  @Override
  public void close() {
    channel.close();
  }

  private final class Collector extends SimpleChannelInboundHandler<WebSocketFrame> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
      if (frame instanceof BinaryWebSocketFrame) {
        try {
          RelayFrame f = RelayFrameCodec.decode(frame.content(), 1 << 20);
          if (f instanceof RelayFrame.Packet p) {
            // A copy on the heap, so the test may read it and need not release it.
            f =
                new RelayFrame.Packet(
                    p.outgoing(),
                    p.peer(),
                    io.netty.buffer.Unpooled.wrappedBuffer(
                        io.netty.buffer.ByteBufUtil.getBytes(p.payload())));
            p.payload().release();
          }
          frames.add(f);
        } catch (RelayProtocolException e) {
          throw new AssertionError("the relay sent a bad frame", e);
        }
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
        upgraded.complete(null);
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
