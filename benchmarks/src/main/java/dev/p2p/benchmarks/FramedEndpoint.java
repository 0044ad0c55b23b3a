package dev.p2p.benchmarks;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A raw TCP client speaking length-prefixed messages (4-byte length + payload), with the same
 * client-side costs as the tunnel provider: a copy into a direct buffer per message, flushes
 * coalesced on the event loop, sends accepted while the socket's queue has room, one byte[] per
 * received message.
 */
final class FramedEndpoint extends ChannelInboundHandlerAdapter implements BenchEndpoint {
  private Channel channel;
  private final ConcurrentLinkedQueue<ByteBuf> outbound = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ArrayDeque<CompletableFuture<Void>> sendWaiters = new ArrayDeque<>();
  private final ArrayDeque<byte[]> inbox = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<byte[]>> recvWaiters = new ArrayDeque<>();

  void attach(Channel ch) {
    this.channel = ch;
  }

  @Override
  public CompletableFuture<Void> send(byte[] message) {
    Channel ch = channel;
    ByteBuf buf = ch.alloc().directBuffer(4 + message.length);
    buf.writeInt(message.length).writeBytes(message);
    outbound.add(buf);
    if (drainScheduled.compareAndSet(false, true)) {
      ch.eventLoop().execute(this::drain);
    }
    if (ch.isWritable()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (sendWaiters) {
      sendWaiters.add(f);
    }
    ch.eventLoop().execute(this::wakeSenders);
    return f;
  }

  private void drain() {
    drainScheduled.set(false);
    ByteBuf buf;
    boolean wrote = false;
    while ((buf = outbound.poll()) != null) {
      channel.write(buf, channel.voidPromise());
      wrote = true;
    }
    if (wrote) {
      channel.flush();
    }
    wakeSenders();
  }

  private void wakeSenders() {
    while (true) {
      CompletableFuture<Void> f;
      synchronized (sendWaiters) {
        if (!channel.isWritable()) {
          return;
        }
        f = sendWaiters.poll();
      }
      if (f == null) {
        return;
      }
      f.complete(null);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    wakeSenders();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf frame = (ByteBuf) msg;
    byte[] message = new byte[frame.readableBytes()];
    frame.readBytes(message);
    frame.release();
    CompletableFuture<byte[]> waiter;
    synchronized (inbox) {
      waiter = recvWaiters.poll();
      if (waiter == null) {
        inbox.add(message);
        return;
      }
    }
    waiter.complete(message);
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    synchronized (inbox) {
      byte[] next = inbox.poll();
      if (next != null) {
        return CompletableFuture.completedFuture(next);
      }
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      recvWaiters.add(f);
      return f;
    }
  }

  @Override
  public void close() {
    channel.close();
  }
}
