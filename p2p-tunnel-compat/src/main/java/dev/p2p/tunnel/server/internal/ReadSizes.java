package dev.p2p.tunnel.server.internal;

import dev.p2p.tunnel.internal.TunnelFrameDecoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;

/**
 * One client channel's socket reads: Netty's adaptive reads of up to 64 KiB, raised to the
 * decoder's bigger reads once the session knows no bound depends on them (a client with flow
 * control on a server without a rate limit: its windows bound what it sends). A client without flow
 * control is paused after the read that fills its target's queue, and a rate limit lets one read
 * past the budget, so for those the read size is part of a bound. Netty keeps a channel's handle
 * once made, so the switch happens inside it, at the start of the next read loop. Event loop only.
 */
final class ReadSizes implements RecvByteBufAllocator {
  private final RecvByteBufAllocator normal = new AdaptiveRecvByteBufAllocator();
  private final RecvByteBufAllocator big = TunnelFrameDecoder.readAllocator();
  private boolean bigReads;

  /** From the next read loop on, reads may be as big as the decoder's. */
  void allowBigReads() {
    bigReads = true;
  }

  @Override
  public Handle newHandle() {
    return new Switching(normal.newHandle(), big.newHandle());
  }

  private final class Switching implements ExtendedHandle {
    private final Handle normalHandle;
    private final Handle bigHandle;
    private Handle current;

    Switching(Handle normalHandle, Handle bigHandle) {
      this.normalHandle = normalHandle;
      this.bigHandle = bigHandle;
      this.current = normalHandle;
    }

    @Override
    public void reset(ChannelConfig config) {
      current = bigReads ? bigHandle : normalHandle;
      current.reset(config);
    }

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return current.allocate(alloc);
    }

    @Override
    public int guess() {
      return current.guess();
    }

    @Override
    public void incMessagesRead(int numMessages) {
      current.incMessagesRead(numMessages);
    }

    @Override
    public void lastBytesRead(int bytes) {
      current.lastBytesRead(bytes);
    }

    @Override
    public int lastBytesRead() {
      return current.lastBytesRead();
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      current.attemptedBytesRead(bytes);
    }

    @Override
    public int attemptedBytesRead() {
      return current.attemptedBytesRead();
    }

    @Override
    public boolean continueReading() {
      return current.continueReading();
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return current instanceof ExtendedHandle e
          ? e.continueReading(maybeMoreDataSupplier)
          : current.continueReading();
    }

    @Override
    public void readComplete() {
      current.readComplete();
    }
  }
}
