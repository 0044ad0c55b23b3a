package dev.p2p.quic.internal.path.transports;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.util.AttributeKey;
import java.util.function.Supplier;

/**
 * The test seam in front of our UDP sockets (an in-process NAT, say): a handler first in a socket's
 * pipeline, between the socket and what reads it. The factory stays on the provider's socket so
 * that every socket opened like it ({@link BirthdaySockets}) gets its own handler from it, as a
 * real NAT gives every socket its own mapping. Never installed in production.
 */
public final class SocketInterposer {
  private static final AttributeKey<Supplier<ChannelHandler>> FACTORY =
      AttributeKey.valueOf("p2p.interposer");

  private SocketInterposer() {}

  /** Puts a handler from {@code factory} first in {@code socket}'s pipeline and remembers it. */
  public static void install(Channel socket, Supplier<ChannelHandler> factory) {
    socket.attr(FACTORY).set(factory);
    socket.pipeline().addFirst("interposer", factory.get());
  }

  /** Puts a handler from {@code like}'s factory, if it has one, first in {@code socket}'s. */
  static void installLike(Channel like, Channel socket) {
    Supplier<ChannelHandler> factory = like.attr(FACTORY).get();
    if (factory != null) {
      install(socket, factory);
    }
  }
}
