package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayList;

/**
 * The packets one event loop forwarded during one read of a client, handed to their destinations at
 * the end of that read: one task per destination loop and one flush per destination, instead of a
 * task, a wake-up and a flush per packet. A destination is usually on another loop than its sender
 * (the server spreads clients over its loops), so per packet that was the relay's largest cost
 * after the codec. Filled and drained on one thread (a thread-local); a read that forwards nothing
 * costs nothing.
 */
final class ForwardBatch {
  private static final FastThreadLocal<ForwardBatch> CURRENT =
      new FastThreadLocal<>() {
        @Override
        protected ForwardBatch initialValue() {
          return new ForwardBatch();
        }
      };

  /**
   * A batch this big is handed over before its read ends: a read loop takes up to 16 socket reads,
   * and the first packet should not wait for the last.
   */
  static final int MAX_BATCH_BYTES = 64 << 10;

  /** One forwarded packet on its way to {@code dest}. */
  record Out(ClientSession dest, ByteBuf frame, int payloadBytes) {}

  private ArrayList<Out> pending = new ArrayList<>();
  private int pendingBytes;

  private ForwardBatch() {}

  /** Adds a packet to this thread's batch; it is written at the next {@link #drain()}. */
  static void add(ClientSession dest, ByteBuf frame, int payloadBytes) {
    ForwardBatch b = CURRENT.get();
    b.pending.add(new Out(dest, frame, payloadBytes));
    b.pendingBytes += frame.readableBytes();
    if (b.pendingBytes >= MAX_BATCH_BYTES) {
      drain();
    }
  }

  /** Hands this thread's batch to the destinations' loops (this one's at once). */
  static void drain() {
    if (!CURRENT.isSet()) {
      return;
    }
    ForwardBatch b = CURRENT.get();
    ArrayList<Out> all = b.pending;
    if (all.isEmpty()) {
      return;
    }
    b.pending = new ArrayList<>(Math.min(all.size(), 64));
    b.pendingBytes = 0;
    EventLoop first = all.get(0).dest.eventLoop();
    if (sameLoop(all, first)) {
      dispatch(first, all); // the common case: every packet of a read goes to one loop
      return;
    }
    // Several loops: one list each, in order, so a sender's packets to a peer stay in order.
    while (!all.isEmpty()) {
      EventLoop loop = all.get(0).dest.eventLoop();
      ArrayList<Out> mine = new ArrayList<>();
      ArrayList<Out> rest = new ArrayList<>();
      for (Out o : all) {
        (o.dest.eventLoop() == loop ? mine : rest).add(o);
      }
      dispatch(loop, mine);
      all = rest;
    }
  }

  private static boolean sameLoop(ArrayList<Out> outs, EventLoop loop) {
    for (int i = 1; i < outs.size(); i++) {
      if (outs.get(i).dest.eventLoop() != loop) {
        return false;
      }
    }
    return true;
  }

  private static void dispatch(EventLoop loop, ArrayList<Out> outs) {
    if (loop.inEventLoop()) {
      writeAll(outs);
    } else {
      loop.execute(() -> writeAll(outs));
    }
  }

  /** On the destinations' loop: every packet written, then each destination flushed once. */
  private static void writeAll(ArrayList<Out> outs) {
    // The wait that counts against a destination's delay target starts here, in its queue; the
    // time in the sender's batch is the sender's read, bounded by MAX_BATCH_BYTES.
    long queuedAt = System.nanoTime();
    for (Out o : outs) {
      o.dest.write(o, queuedAt);
    }
    for (Out o : outs) {
      o.dest.flushForwarded();
    }
  }
}
