package dev.p2p.relay.internal;

import dev.p2p.api.ConfigurationException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * Which Netty transport carries the relay's sockets: Linux's native epoll where it loads (every
 * forwarded packet is a read on one socket and a write on another, and epoll's are cheaper than
 * NIO's selector and buffer wrapping), else NIO.
 */
public enum RelaySocketKind {
  NIO,
  EPOLL;

  /**
   * The transport a setting names ({@link NativeEpoll#chosen}).
   *
   * @throws ConfigurationException for a value it does not name, or {@code epoll} where it cannot
   *     load
   */
  public static RelaySocketKind choose(String key, String value) {
    return NativeEpoll.chosen(key, value) ? EPOLL : NIO;
  }

  /** Event loops of this transport that busy-poll for {@code pollNanos} (0: never). */
  public IoHandlerFactory ioHandlerFactory(long pollNanos) {
    return this == EPOLL
        ? BusyPollSelectStrategy.epollHandlerFactory(pollNanos)
        : BusyPollSelectStrategy.nioHandlerFactory(pollNanos);
  }

  public Class<? extends ServerSocketChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends DatagramChannel> datagramChannel() {
    return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
