package dev.p2p.quic.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An eavesdropper on a provider's socket (through {@link QuicP2PProvider#interposeSocket}): keeps a
 * copy of the first QUIC 1-RTT packets the provider sends, for replay attacks. Passes everything on
 * unchanged.
 */
final class PacketTap extends ChannelDuplexHandler {
  private final int keep;
  final List<byte[]> shortPackets = new CopyOnWriteArrayList<>();

  PacketTap(int keep) {
    this.keep = keep;
  }

  static PacketTap install(QuicP2PProvider provider, int keep) {
    PacketTap tap = new PacketTap(keep);
    provider.interposeSocket(() -> tap);
    return tap;
  }

  @Override
  public boolean isSharable() {
    return true;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof DatagramPacket packet && shortPackets.size() < keep) {
      ByteBuf content = packet.content();
      int segment =
          packet instanceof SegmentedDatagramPacket s ? s.segmentSize() : content.readableBytes();
      for (int at = content.readerIndex(); at < content.writerIndex(); at += segment) {
        int first = content.getUnsignedByte(at);
        // QUIC short header: form bit clear, fixed bit set (probes and STUN have neither).
        if ((first & 0xc0) == 0x40 && shortPackets.size() < keep) {
          byte[] copy = new byte[Math.min(segment, content.writerIndex() - at)];
          content.getBytes(at, copy);
          shortPackets.add(copy);
        }
      }
    }
    ctx.write(msg, promise);
  }
}
