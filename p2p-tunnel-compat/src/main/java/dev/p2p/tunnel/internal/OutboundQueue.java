package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Frames on their way to one server channel, written by any thread and drained by the channel's
 * event loop with one flush per drain. Writing through our own queue (rather than one Netty write
 * task per frame) coalesces flushes without the race where a write queued behind a pending flush
 * task is never flushed. One queue per channel: frames of a lost channel die with it and never
 * reach its successor.
 */
final class OutboundQueue {
  /** Frames queued here but not yet handed to Netty; beyond this a send waits. */
  static final long MAX_QUEUED_BYTES = 1024 * 1024;

  private final Channel channel;
  private final Runnable afterDrain;
  private final ConcurrentLinkedQueue<ByteBuf> frames = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = this::drain;

  OutboundQueue(Channel channel, Runnable afterDrain) {
    this.channel = channel;
    this.afterDrain = afterDrain;
  }

  Channel channel() {
    return channel;
  }

  /** Queues a frame; call {@link #schedule()} after the last frame of a message. */
  void add(ByteBuf frame) {
    queuedBytes.addAndGet(frame.readableBytes());
    frames.add(frame);
  }

  /** Makes sure a drain runs after everything added so far. */
  void schedule() {
    // Order matters: frames are added before the flag is tested, and the drain clears the flag
    // before it polls, so every frame is seen by some drain.
    // Test before the compare-and-set: in bulk a drain is nearly always scheduled already, and a
    // failing CAS still takes the flag's cache line from the loop that clears it.
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
    boolean active = channel.isActive();
    boolean wrote = false;
    long drained = 0;
    ByteBuf frame;
    while ((frame = frames.poll()) != null) {
      drained += frame.readableBytes();
      if (active) {
        channel.write(frame, channel.voidPromise());
        wrote = true;
      } else {
        frame.release();
      }
    }
    // Once per drain, not per frame: senders add to the count from another thread, and every
    // update moves its cache line. Until then the queue looks fuller than it is, never emptier.
    if (drained > 0) {
      queuedBytes.addAndGet(-drained);
    }
    if (wrote) {
      channel.flush();
    }
    afterDrain.run();
  }

  /** Releases everything queued (the channel is gone). */
  void discard() {
    ByteBuf frame;
    while ((frame = frames.poll()) != null) {
      queuedBytes.addAndGet(-frame.readableBytes());
      frame.release();
    }
  }
}
