package dev.p2p.tunnel.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The frames one session relayed during a read batch, per target session, and their hand-over once
 * the batch ends: a target on this event loop is flushed; a target on another loop gets its frames
 * in one task. Writing to another loop's channel frame by frame costs a Netty task per frame (a
 * pooled task object recycled across threads, a queue insertion, the pending-bytes atomics both
 * when it is queued and when it runs), which at 1 KiB messages was the server's largest cost per
 * message. Frames of one source keep their order: a batch is one task, and {@link #handOver()} runs
 * before anything else this session forwards or triggers. Event loop of the source session only.
 */
final class Forwarder {
  private final List<ServerSession> targets = new ArrayList<>(2);
  // Parallel to targets: frames waiting for a target on another loop (empty for this loop's).
  private final List<List<ByteBuf>> frames = new ArrayList<>(2);

  /**
   * Relays one frame to {@code target}. {@code batched} frames for another loop wait for {@link
   * #handOver()}; the others are written at once (and counted by Netty toward the target's
   * writability, which a sender without flow control is paused on).
   */
  void forward(ServerSession target, ByteBuf frame, boolean batched) {
    Channel ch = target.channel();
    int i = targets.indexOf(target);
    if (i < 0) {
      i = targets.size();
      targets.add(target);
      frames.add(new ArrayList<>());
    }
    if (batched && !ch.eventLoop().inEventLoop()) {
      frames.get(i).add(frame);
    } else {
      ch.write(frame, ch.voidPromise());
    }
  }

  /** Hands everything relayed so far to its targets and flushes them. */
  void handOver() {
    int n = targets.size();
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      ServerSession target = targets.get(i);
      List<ByteBuf> batch = frames.get(i);
      Channel ch = target.channel();
      if (batch.isEmpty()) {
        ch.flush();
        continue;
      }
      try {
        ch.eventLoop().execute(() -> writeAll(ch, batch));
      } catch (RejectedExecutionException e) {
        release(batch); // the server is shutting down
      }
    }
    targets.clear();
    frames.clear();
  }

  /** On the target's loop. A closed channel releases what is written to it. */
  private static void writeAll(Channel ch, List<ByteBuf> batch) {
    for (int i = 0, n = batch.size(); i < n; i++) {
      ch.write(batch.get(i), ch.voidPromise());
    }
    ch.flush();
  }

  private static void release(List<ByteBuf> batch) {
    for (ByteBuf b : batch) {
      b.release();
    }
  }
}
