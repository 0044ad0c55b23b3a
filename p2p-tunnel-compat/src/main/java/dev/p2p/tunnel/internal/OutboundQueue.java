package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Frames on their way to one server channel, written by any thread and drained by the channel's
 * event loop with one flush per drain. Writing through our own queue (rather than one Netty write
 * task per frame) coalesces flushes without the race where a write queued behind a pending flush
 * task is never flushed. One queue per channel: frames of a lost channel die with it and never
 * reach its successor.
 *
 * <p>Small DATA frames are encoded back to back into one open batch buffer of {@link #BATCH_BYTES}
 * ({@link #addData}), which the next drain takes as it is: one allocation and one Netty write per
 * batch instead of per frame. With 1 KiB messages the per-buffer work (a pooled allocation on the
 * sender's thread, the pipeline's write, the outbound buffer's entry, its removal and release) was
 * over a quarter of the sending loop's time and a sixth of the sender's. Frames keep the order in
 * which they were added: a frame added whole ({@link #add}) closes the open batch first.
 */
final class OutboundQueue {
  /** Frames queued here but not yet handed to Netty; beyond this a send waits. */
  static final long MAX_QUEUED_BYTES = 1024 * 1024;

  /** The batch buffer's size; a frame larger than this goes in a buffer of its own. */
  static final int BATCH_BYTES = 16 * 1024;

  private final Channel channel;
  private final Runnable afterDrain;
  // Guarded by this: closed buffers in order, then the open batch (written last).
  private final ArrayDeque<ByteBuf> frames = new ArrayDeque<>();
  private ByteBuf open;
  // Written under the lock, read by hasRoom() from any thread.
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;
  private final List<ByteBuf> draining = new ArrayList<>(); // event loop only

  OutboundQueue(Channel channel, Runnable afterDrain) {
    this.channel = channel;
    this.afterDrain = afterDrain;
  }

  Channel channel() {
    return channel;
  }

  /** Queues an encoded frame; call {@link #schedule()} after the last frame of a message. */
  synchronized void add(ByteBuf frame) {
    closeBatch();
    frames.add(frame);
    counted(frame.readableBytes());
  }

  /**
   * Encodes one DATA frame into the open batch (or into a buffer of its own if it is too large for
   * one); call {@link #schedule()} after the last frame of a message.
   */
  synchronized void addData(
      long connectionId,
      int channelNumber,
      long messageNumber,
      boolean last,
      byte[] payload,
      int offset,
      int length) {
    int size = TunnelProtocol.DATA_HEADER_SIZE + length;
    if (open != null && open.capacity() - open.writerIndex() < size) {
      closeBatch();
    }
    if (open == null && size > BATCH_BYTES) {
      frames.add(
          TunnelFrameCodec.encodeData(
              channel.alloc(),
              connectionId,
              channelNumber,
              messageNumber,
              last,
              payload,
              offset,
              length));
    } else {
      if (open == null) {
        open = channel.alloc().directBuffer(BATCH_BYTES, BATCH_BYTES);
      }
      TunnelFrameCodec.writeData(
          open, connectionId, channelNumber, messageNumber, last, payload, offset, length);
    }
    counted(size);
  }

  /** Holds the lock: a single writer at a time, so no atomic read-modify-write. */
  private void counted(long bytes) {
    queuedBytes.lazySet(queuedBytes.get() + bytes);
  }

  /** Holds the lock. */
  private void closeBatch() {
    if (open != null) {
      frames.add(open);
      open = null;
    }
  }

  /** Makes sure a drain runs after everything added so far. */
  void schedule() {
    // Order matters: frames are added before the flag is tested, and the drain clears the flag
    // before it takes them, so every frame is seen by some drain. Test before the
    // compare-and-set: in bulk a drain is nearly always scheduled already, and a failing CAS still
    // takes the flag's cache line from the loop that clears it.
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      try {
        channel.eventLoop().execute(drainTask);
      } catch (RejectedExecutionException e) {
        discard();
      }
    }
  }

  /** True if a sender may go on: the queue and Netty's buffer both have room. */
  boolean hasRoom() {
    return channel.isActive() && channel.isWritable() && queuedBytes.get() < MAX_QUEUED_BYTES;
  }

  private void drain() {
    drainScheduled.set(false);
    synchronized (this) {
      closeBatch();
      long drained = 0;
      ByteBuf frame;
      while ((frame = frames.poll()) != null) {
        drained += frame.readableBytes();
        draining.add(frame);
      }
      counted(-drained);
    }
    boolean active = channel.isActive();
    for (int i = 0, n = draining.size(); i < n; i++) {
      ByteBuf frame = draining.get(i);
      if (active) {
        channel.write(frame, channel.voidPromise());
      } else {
        frame.release();
      }
    }
    boolean wrote = active && !draining.isEmpty();
    draining.clear();
    if (wrote) {
      channel.flush();
    }
    afterDrain.run();
  }

  /** Releases everything queued (the channel is gone). */
  synchronized void discard() {
    closeBatch();
    ByteBuf frame;
    while ((frame = frames.poll()) != null) {
      frame.release();
    }
    queuedBytes.set(0);
  }
}
