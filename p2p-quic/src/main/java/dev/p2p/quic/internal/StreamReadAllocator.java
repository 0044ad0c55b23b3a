package dev.p2p.quic.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.function.BooleanSupplier;

/**
 * Buffers for reading a message stream whose reads are requested one at a time (auto-read off, see
 * {@link StreamReadBatches}): one {@code read()} takes what the stream holds, up to {@link
 * #MAX_BUFFERS} buffers, as long as the receiver still {@code wants} more. Netty's own allocators
 * read a single buffer per {@code read()} when auto-read is off.
 */
final class StreamReadAllocator implements RecvByteBufAllocator {
  static final int BUFFER_BYTES = 64 * 1024;
  static final int MAX_BUFFERS = 64;

  private final BooleanSupplier wants;
  private boolean capped;

  StreamReadAllocator(BooleanSupplier wants) {
    this.wants = wants;
  }

  /** The last read stopped at {@link #MAX_BUFFERS} with the stream still holding data. */
  boolean capped() {
    return capped;
  }

  @Override
  @SuppressWarnings("deprecation")
  public Handle newHandle() {
    return new ReadHandle();
  }

  @SuppressWarnings("deprecation")
  private final class ReadHandle implements ExtendedHandle {
    private int buffers;
    private int attempted;
    private int last;

    @Override
    public ByteBuf allocate(ByteBufAllocator alloc) {
      return alloc.ioBuffer(BUFFER_BYTES);
    }

    @Override
    public int guess() {
      return BUFFER_BYTES;
    }

    @Override
    public void reset(ChannelConfig config) {
      buffers = 0;
      capped = false;
    }

    @Override
    public void incMessagesRead(int numMessages) {
      buffers += numMessages;
    }

    @Override
    public void lastBytesRead(int bytes) {
      last = bytes;
    }

    @Override
    public int lastBytesRead() {
      return last;
    }

    @Override
    public void attemptedBytesRead(int bytes) {
      attempted = bytes;
    }

    @Override
    public int attemptedBytesRead() {
      return attempted;
    }

    @Override
    public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
      return continueReading();
    }

    @Override
    public boolean continueReading() {
      // A buffer not filled means the stream had no more (the next read would say DONE).
      boolean more = last > 0 && last == attempted;
      if (more && buffers >= MAX_BUFFERS) {
        capped = true;
        return false;
      }
      return more && wants.getAsBoolean();
    }

    @Override
    public void readComplete() {}
  }
}
