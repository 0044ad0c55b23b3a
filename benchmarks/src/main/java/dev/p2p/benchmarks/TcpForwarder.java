package dev.p2p.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.AttributeKey;
import java.util.concurrent.TimeUnit;

/**
 * The reference point: a plain TCP byte forwarder. It pairs accepted connections two by two, in the
 * order they were accepted, and copies bytes each way without looking at them, pausing a side's
 * reads while the other side's queue is full (the usual Netty proxy). Same socket options, queue
 * size and thread count as the tunnel server, so the difference measured is the tunnel's own work.
 */
final class TcpForwarder implements AutoCloseable {
  private final EventLoopGroup group;
  private final Channel server;
  private Pairing open; // the pair still missing its second connection; server channel's loop only

  TcpForwarder(int threads, int maxQueuedBytes) {
    group = new MultiThreadIoEventLoopGroup(threads, NioIoHandler.newFactory());
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(maxQueuedBytes / 2, maxQueuedBytes))
            .handler(
                new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object accepted) {
                    assignPair((Channel) accepted);
                    ctx.fireChannelRead(accepted);
                  }
                })
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.attr(PAIRING).get().ready(ch);
                  }
                })
            .bind("127.0.0.1", 0)
            .awaitUninterruptibly()
            .channel();
    if (!server.isActive()) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("the forwarder cannot bind a loopback port");
    }
  }

  int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  private static final AttributeKey<Pairing> PAIRING = AttributeKey.valueOf("tcp-forwarder-pair");

  /**
   * Pairs in accept order, which is the order the clients connected in. Children are initialised on
   * different event loops, so pairing at initialisation raced: a setup connection could be paired
   * with the next benchmark connection, whose first message then never reached its acceptor.
   */
  private void assignPair(Channel accepted) {
    if (open == null) {
      open = new Pairing();
      accepted.attr(PAIRING).set(open);
    } else {
      accepted.attr(PAIRING).set(open);
      open = null;
    }
  }

  /** Two accepted connections; they start forwarding once both are initialised. */
  private static final class Pairing {
    private Channel first; // guarded by this

    synchronized void ready(Channel ch) {
      if (first == null) {
        first = ch;
        return;
      }
      ch.pipeline().addLast(new Forward(first));
      first.pipeline().addLast(new Forward(ch));
      ch.config().setAutoRead(true);
      first.config().setAutoRead(true);
    }
  }

  private static final class Forward extends ChannelInboundHandlerAdapter {
    private final Channel to;

    Forward(Channel to) {
      this.to = to;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      to.write(msg, to.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      to.flush();
      if (!to.isWritable()) {
        ctx.channel().config().setAutoRead(false);
        to.pipeline().fireUserEventTriggered(new Paused(ctx.channel()));
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof Paused p) {
        // The peer paused because we are full; wake it once we drain.
        pausedPeer = p.channel();
        if (ctx.channel().isWritable()) {
          resume();
        }
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }

    private volatile Channel pausedPeer;

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      if (ctx.channel().isWritable()) {
        resume();
      }
    }

    private void resume() {
      Channel p = pausedPeer;
      if (p != null) {
        pausedPeer = null;
        p.config().setAutoRead(true);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      to.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private record Paused(Channel channel) {}

  @Override
  public void close() {
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
