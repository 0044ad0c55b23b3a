package dev.p2p.tunnel.server.internal;

import dev.p2p.tunnel.internal.DataFrame;
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
 * message. Adjacent frames of one socket read go on as one slice of it, so the target's outbound
 * buffer and socket write see one buffer where the client sent a batch. Frames of one source keep
 * their order: a batch is one task, and {@link #handOver()} runs before anything else this session
 * forwards or triggers. Event loop of the source session only.
 */
final class Forwarder {
  private final List<ServerSession> targets = new ArrayList<>(2);
  // Parallel to targets: frames waiting for a target on another loop (empty for this loop's).
  private final List<List<DataFrame>> frames = new ArrayList<>(2);

  /**
   * Relays one frame to {@code target}. {@code batched} frames for another loop wait for {@link
   * #handOver()}; the others are written at once (and counted by Netty toward the target's
   * writability, which a sender without flow control is paused on).
   */
  void forward(ServerSession target, DataFrame frame, boolean batched) {
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
      ch.write(frame.frame(), ch.voidPromise());
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
      List<DataFrame> batch = frames.get(i);
      Channel ch = target.channel();
      if (batch.isEmpty()) {
        ch.flush();
        continue;
      }
      List<ByteBuf> buffers = joined(batch);
      try {
        ch.eventLoop().execute(() -> writeAll(ch, buffers));
      } catch (RejectedExecutionException e) {
        buffers.forEach(ByteBuf::release); // the server is shutting down
      }
    }
    targets.clear();
    frames.clear();
  }

  /** The frames' bytes, adjacent frames of one read as one slice of it; takes their references. */
  private static List<ByteBuf> joined(List<DataFrame> batch) {
    List<ByteBuf> out = new ArrayList<>(batch.size());
    int n = batch.size();
    int i = 0;
    while (i < n) {
      DataFrame first = batch.get(i);
      ByteBuf source = first.source();
      int start = first.sourceIndex();
      int end = start + first.frame().readableBytes();
      int j = i + 1;
      while (source != null
          && j < n
          && batch.get(j).source() == source
          && batch.get(j).sourceIndex() == end) {
        end += batch.get(j).frame().readableBytes();
        j++;
      }
      if (j == i + 1) {
        out.add(first.frame());
      } else {
        // The frames' own slices keep the read alive until the joint slice holds it too.
        out.add(source.retainedSlice(start, end - start));
        for (int k = i; k < j; k++) {
          batch.get(k).release();
        }
      }
      i = j;
    }
    return out;
  }

  /** On the target's loop. A closed channel releases what is written to it. */
  private static void writeAll(Channel ch, List<ByteBuf> buffers) {
    for (int i = 0, n = buffers.size(); i < n; i++) {
      ch.write(buffers.get(i), ch.voidPromise());
    }
    ch.flush();
  }
}
