package dev.p2p.relay.internal;

import dev.p2p.api.ConfigurationException;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Locale;

/**
 * Which Netty transport carries the relay's sockets: Linux's native epoll where it loads (every
 * forwarded packet is a read on one socket and a write on another, and epoll's are cheaper than
 * NIO's selector and buffer wrapping), else NIO.
 */
public enum RelaySocketKind {
  NIO,
  EPOLL;

  /**
   * The transport a setting names: {@code auto} (epoll where it loads, else NIO), {@code epoll} or
   * {@code nio}.
   *
   * @throws ConfigurationException for another value, or {@code epoll} where it cannot load
   */
  public static RelaySocketKind choose(String key, String value) {
    switch (value.strip().toLowerCase(Locale.ROOT)) {
      case "auto":
        return Epoll.isAvailable() ? EPOLL : NIO;
      case "nio":
        return NIO;
      case "epoll":
        if (!Epoll.isAvailable()) {
          throw new ConfigurationException(
              key
                  + "=epoll but the native epoll transport cannot load here ("
                  + Epoll.unavailabilityCause()
                  + "); use auto or nio");
        }
        return EPOLL;
      default:
        throw new ConfigurationException(key + " must be auto, epoll or nio, got '" + value + "'");
    }
  }

  public IoHandlerFactory ioHandlerFactory() {
    return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
  }

  public Class<? extends ServerSocketChannel> serverChannel() {
    return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  public Class<? extends DatagramChannel> datagramChannel() {
    return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
  }
}
