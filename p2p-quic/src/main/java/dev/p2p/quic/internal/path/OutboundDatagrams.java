package dev.p2p.quic.internal.path;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;

/**
 * Re-addressing the QUIC codec's outgoing datagrams. A GSO send ({@link SegmentedDatagramPacket},
 * several packets of one size in one buffer) must stay one: as a plain datagram it would leave as
 * one oversized UDP packet instead of many that fit the path.
 */
public final class OutboundDatagrams {
  private OutboundDatagrams() {}

  /**
   * {@code content} (the original's, or a duplicate of it) as the original's kind, sent to {@code
   * to}.
   */
  public static DatagramPacket readdressed(
      DatagramPacket original, ByteBuf content, InetSocketAddress to) {
    if (original instanceof io.netty.channel.unix.SegmentedDatagramPacket segmented) {
      return new SegmentedDatagramPacket(content, segmented.segmentSize(), to);
    }
    return new DatagramPacket(content, to);
  }
}
