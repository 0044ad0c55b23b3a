package dev.p2p.benchmarks;

import dev.p2p.tunnel.server.TunnelServer;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.concurrent.TimeUnit;

/**
 * Client A ↔ {@link TcpForwarder} ↔ client B. Each side has one I/O thread, like each tunnel
 * provider; the forwarder has as many threads as the tunnel server.
 */
final class ForwarderBenchTransport implements BenchTransport {
  private static final int MAX_MESSAGE = 16 * 1024 * 1024;

  private final TcpForwarder forwarder;
  private final EventLoopGroup sideA =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final EventLoopGroup sideB =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  ForwarderBenchTransport() {
    forwarder =
        new TcpForwarder(
            Math.max(1, Runtime.getRuntime().availableProcessors()),
            TunnelServer.DEFAULT_MAX_QUEUED_BYTES);
  }

  @Override
  public BenchPair connect() {
    // The forwarder pairs connections in accept order: A is connected before B dials.
    FramedEndpoint a = open(sideA);
    FramedEndpoint b = open(sideB);
    return new BenchPair(a, b);
  }

  private FramedEndpoint open(EventLoopGroup group) {
    FramedEndpoint endpoint = new FramedEndpoint();
    ChannelFuture connect =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(512 * 1024, 1024 * 1024))
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    endpoint.attach(ch);
                    ch.pipeline()
                        .addLast(new LengthFieldBasedFrameDecoder(MAX_MESSAGE + 4, 0, 4, 0, 4))
                        .addLast(endpoint);
                  }
                })
            .connect("127.0.0.1", forwarder.port());
    if (!connect.awaitUninterruptibly(Waits.TIMEOUT_SECONDS, TimeUnit.SECONDS)
        || !connect.isSuccess()) {
      throw new IllegalStateException("cannot reach the forwarder", connect.cause());
    }
    return endpoint;
  }

  @Override
  public void close() {
    sideA.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    sideB.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    forwarder.close();
  }
}
