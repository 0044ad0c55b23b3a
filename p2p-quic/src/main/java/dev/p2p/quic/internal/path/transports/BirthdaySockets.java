package dev.p2p.quic.internal.path.transports;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hard side's sockets of one birthday-probing attempt: extra UDP sockets on ephemeral ports of
 * the provider socket's interface, of the same Netty transport and on the same event loop (and
 * behind its {@link SocketInterposer}, if any), so each gets its own NAT mapping toward the peer.
 * Datagrams they receive go to a {@link Listener}; one socket may be kept ({@link #keepOnly}, the
 * winner, which then carries the peer's QUIC packets as a {@code Route.Direct} via it) and the
 * others close at once. Event-loop confined.
 */
public final class BirthdaySockets {
  private static final Logger log = LoggerFactory.getLogger(BirthdaySockets.class);

  /** Large enough for any QUIC datagram the codec may be configured for (loopback: 64 KiB). */
  private static final int READ_BUFFER = 65_536;

  /** Kernel receive buffer per socket: small, there may be hundreds; the winner carries QUIC. */
  private static final int RCVBUF = 256 << 10;

  /** Told of what arrives on the sockets; called on the loop. */
  public interface Listener {
    /** {@code packet} arrived on {@code socket}; the listener owns it. */
    void received(BirthdaySockets sockets, Channel socket, DatagramPacket packet);

    /** A read burst on {@code socket} ended. */
    void readComplete(BirthdaySockets sockets, Channel socket);
  }

  private final List<Channel> channels = new ArrayList<>();
  private Channel kept;
  private int open;

  private BirthdaySockets() {}

  /**
   * Opens {@code count} sockets like {@code main} (its transport, loop and local address, port 0)
   * and calls {@code bound} with each once it is bound, {@code closed} once it has closed. A socket
   * that fails to open just closes.
   */
  public static BirthdaySockets open(
      Channel main, int count, Listener listener, Consumer<Channel> bound, Runnable closed) {
    BirthdaySockets s = new BirthdaySockets();
    InetAddress local = ((InetSocketAddress) main.localAddress()).getAddress();
    SocketProtocolFamily family =
        local instanceof Inet4Address ? SocketProtocolFamily.INET : SocketProtocolFamily.INET6;
    boolean epoll = main instanceof EpollDatagramChannel;
    ChannelHandler reader = s.new Reader(listener);
    Bootstrap b =
        new Bootstrap()
            .group(main.eventLoop())
            .channelFactory(
                () -> epoll ? new EpollDatagramChannel(family) : new NioDatagramChannel(family))
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(READ_BUFFER))
            .option(ChannelOption.SO_RCVBUF, RCVBUF)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    // Behind the same test seam as main, with a handler of its own (its own NAT
                    // mapping, as a real NAT gives each socket).
                    SocketInterposer.installLike(main, ch);
                    ch.pipeline().addLast(reader);
                  }
                });
    for (int i = 0; i < count; i++) {
      var f = b.bind(new InetSocketAddress(local, 0));
      Channel ch = f.channel();
      s.channels.add(ch);
      s.open++;
      ch.closeFuture()
          .addListener(
              c -> {
                s.open--;
                closed.run();
              });
      f.addListener(
          r -> {
            if (r.isSuccess() && s.kept == null) {
              bound.accept(ch);
            } else if (!r.isSuccess()) {
              log.debug("a birthday socket did not open: {}", r.cause().toString());
            }
          });
    }
    return s;
  }

  /** Keeps {@code winner} and closes every other socket now. */
  public void keepOnly(Channel winner) {
    kept = winner;
    for (Channel ch : channels) {
      if (ch != winner) {
        ch.close();
      }
    }
    channels.clear();
    channels.add(winner);
  }

  /** Closes every socket, the kept one too. */
  public void closeAll() {
    for (Channel ch : channels) {
      ch.close();
    }
    channels.clear();
  }

  /** The socket kept by {@link #keepOnly}, or null. */
  public Channel kept() {
    return kept;
  }

  /** Sockets not yet closed (closing is asynchronous: this counts until they are). */
  public int openCount() {
    return open;
  }

  @ChannelHandler.Sharable
  private final class Reader extends ChannelInboundHandlerAdapter {
    private final Listener listener;

    Reader(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof DatagramPacket p) {
        listener.received(BirthdaySockets.this, ctx.channel(), p);
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      listener.readComplete(BirthdaySockets.this, ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // An ICMP error and the like: the socket stays, as the provider's own does.
      log.debug("birthday socket {}: {}", ctx.channel().localAddress(), cause.toString());
    }
  }
}
