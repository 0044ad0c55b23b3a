package dev.p2p.relay.internal.stun;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;

/**
 * The two socket operations {@link StunRound} needs, over a socket someone else owns. Every receive
 * waits at most the time it is given.
 */
public interface DatagramIo {
  void send(ByteBuffer datagram, InetSocketAddress to) throws IOException;

  /**
   * Receives one datagram into {@code into} (cleared first, flipped after) within {@code
   * timeoutNanos}; returns its sender, or null if none came in time.
   */
  InetSocketAddress receive(ByteBuffer into, long timeoutNanos) throws IOException;

  /** A classic socket; its SO_TIMEOUT is set for each receive and restored after. */
  static DatagramIo of(DatagramSocket socket) {
    return new DatagramIo() {
      @Override
      public void send(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        byte[] b = new byte[datagram.remaining()];
        datagram.duplicate().get(b);
        socket.send(new DatagramPacket(b, b.length, to));
      }

      @Override
      public InetSocketAddress receive(ByteBuffer into, long timeoutNanos) throws IOException {
        into.clear();
        DatagramPacket p = new DatagramPacket(new byte[into.capacity()], into.capacity());
        int before = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, toMillis(timeoutNanos))));
        try {
          socket.receive(p);
        } catch (SocketTimeoutException | PortUnreachableException e) {
          return null;
        } finally {
          socket.setSoTimeout(before);
        }
        into.put(p.getData(), 0, p.getLength()).flip();
        return (InetSocketAddress) p.getSocketAddress();
      }
    };
  }

  /**
   * A channel, blocking or not: each receive waits on a selector of its own (the channel is made
   * non-blocking for the wait and put back as it was). Nothing else should read the channel
   * meanwhile.
   */
  static DatagramIo of(DatagramChannel channel) {
    return new DatagramIo() {
      @Override
      public void send(ByteBuffer datagram, InetSocketAddress to) throws IOException {
        channel.send(datagram.duplicate(), to);
      }

      @Override
      public InetSocketAddress receive(ByteBuffer into, long timeoutNanos) throws IOException {
        into.clear();
        boolean wasBlocking = channel.isBlocking();
        try (Selector selector = Selector.open()) {
          channel.configureBlocking(false);
          InetSocketAddress from = (InetSocketAddress) channel.receive(into);
          if (from == null) {
            channel.register(selector, SelectionKey.OP_READ);
            if (selector.select(Math.max(1, toMillis(timeoutNanos))) > 0) {
              from = (InetSocketAddress) channel.receive(into);
            }
          }
          into.flip();
          return from;
        } catch (PortUnreachableException e) {
          into.clear().flip();
          return null;
        } finally {
          if (wasBlocking) {
            channel.configureBlocking(true); // the selector is closed, so the key is gone
          }
        }
      }
    };
  }

  private static long toMillis(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
  }
}
