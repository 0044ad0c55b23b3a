package dev.p2p.quic.internal;

import dev.p2p.testkit.nat.LoopbackNat;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Puts a provider behind a {@link LoopbackNat}: sits between its UDP socket and its path layer
 * (through {@link QuicP2PProvider#interposeSocket}), hands every outbound datagram to the NAT with
 * its real destination (a GSO batch as its segments) and fires what the NAT lets in up the pipeline
 * as if the socket had read it. Whatever reaches the real socket directly is dropped: its address
 * is private, reachable only through the NAT. Each socket gets its own interposer from the factory
 * (the provider's, and birthday probing's extra sockets opened like it), so each gets its own
 * mappings.
 */
final class NatInterposer extends ChannelDuplexHandler {
  private record Inbound(InetSocketAddress from, byte[] datagram) {}

  private final LoopbackNat nat;
  private final Queue<Inbound> inbound = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile ChannelHandlerContext ctx;
  private volatile InetSocketAddress internal;

  NatInterposer(LoopbackNat nat) {
    this.nat = nat;
  }

  /** Puts {@code provider} behind {@code nat}; call before its socket is bound. */
  static void install(QuicP2PProvider provider, LoopbackNat nat) {
    provider.interposeSocket(() -> new NatInterposer(nat));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    internal(ctx);
    ctx.fireChannelActive();
  }

  /**
   * The socket's address, attached to the NAT on first use: a socket may write before its
   * channelActive (a birthday socket pings from its bind listener, which runs first).
   */
  private InetSocketAddress internal(ChannelHandlerContext ctx) {
    InetSocketAddress at = internal;
    if (at == null) {
      at = (InetSocketAddress) ctx.channel().localAddress();
      internal = at;
      nat.attach(at, this::fromNat);
    }
    return at;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof DatagramPacket) {
      ReferenceCountUtil.release(msg); // straight to the private address: unreachable
      return;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof DatagramPacket packet)) {
      ctx.write(msg, promise);
      return;
    }
    try {
      InetSocketAddress internal = internal(ctx);
      ByteBuf content = packet.content();
      int segment =
          packet instanceof SegmentedDatagramPacket s ? s.segmentSize() : content.readableBytes();
      for (int at = content.readerIndex(); at < content.writerIndex(); at += segment) {
        int length = Math.min(segment, content.writerIndex() - at);
        ByteBuffer copy = ByteBuffer.allocate(length);
        content.getBytes(at, copy);
        copy.flip();
        nat.send(internal, packet.recipient(), copy);
      }
    } finally {
      packet.release();
    }
    promise.trySuccess();
  }

  private void fromNat(InetSocketAddress from, byte[] datagram) {
    ChannelHandlerContext c = ctx;
    if (c == null) {
      return;
    }
    inbound.add(new Inbound(from, datagram));
    if (drainScheduled.compareAndSet(false, true)) {
      c.executor().execute(this::drain);
    }
  }

  private void drain() {
    drainScheduled.set(false);
    ChannelHandlerContext c = ctx;
    boolean any = false;
    for (Inbound in; (in = inbound.poll()) != null; ) {
      if (!c.channel().isActive()) {
        continue;
      }
      any = true;
      ByteBuf buf = c.alloc().directBuffer(in.datagram().length).writeBytes(in.datagram());
      c.fireChannelRead(new DatagramPacket(buf, internal, in.from()));
    }
    if (any) {
      c.fireChannelReadComplete();
    }
  }
}
