package dev.p2p.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundQueueTest {
  /** Everything the channel was given, cut back into frames. */
  private static List<TunnelFrame> written(EmbeddedChannel ch) {
    ByteBuf all = Unpooled.buffer();
    int buffers = 0;
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      all.writeBytes(b);
      b.release();
      buffers++;
    }
    EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder(1 << 20));
    decoder.writeInbound(all);
    List<TunnelFrame> frames = new ArrayList<>();
    Object f;
    while ((f = decoder.readInbound()) != null) {
      frames.add((TunnelFrame) f);
    }
    assertFalse(decoder.finish());
    assertTrue(buffers > 0);
    return frames;
  }

  @Test
  void framesKeepTheirOrderAcrossBatchesAndWholeFrames() {
    EmbeddedChannel ch = new EmbeddedChannel();
    OutboundQueue q = new OutboundQueue(ch, () -> {});
    byte[] small = new byte[1000];
    byte[] large = new byte[OutboundQueue.BATCH_BYTES + 1];
    long n = 0;
    for (int i = 0; i < 40; i++) { // several batches' worth
      q.addData(1, 0, n++, true, small, 0, small.length);
    }
    q.add(TunnelFrameCodec.encode(ByteBufAllocator.DEFAULT, new TunnelFrame.ConnectionEnd(1, "x")));
    q.addData(1, 0, n++, true, small, 0, small.length);
    q.addData(1, 0, n++, true, large, 0, large.length); // too big for a batch: a buffer of its own
    q.addData(1, 0, n++, true, small, 0, small.length);
    q.schedule();
    ch.runPendingTasks();

    List<TunnelFrame> frames = written(ch);
    assertEquals(n + 1, frames.size());
    long expected = 0;
    for (int i = 0; i < frames.size(); i++) {
      TunnelFrame f = frames.get(i);
      if (i == 40) {
        assertInstanceOf(TunnelFrame.ConnectionEnd.class, f, "END stays behind the data before it");
        continue;
      }
      DataFrame d = assertInstanceOf(DataFrame.class, f);
      assertEquals(expected++, d.messageNumber());
      assertEquals(d.messageNumber() == 41 ? large.length : small.length, d.payloadLength());
      d.release();
    }
    assertTrue(q.hasRoom(), "the drain gave back what it took");
    assertFalse(ch.finish());
  }

  @Test
  void smallFramesShareBuffers() {
    EmbeddedChannel ch = new EmbeddedChannel();
    OutboundQueue q = new OutboundQueue(ch, () -> {});
    byte[] small = new byte[1000];
    for (int i = 0; i < 100; i++) {
      q.addData(1, 0, i, true, small, 0, small.length);
    }
    q.schedule();
    ch.runPendingTasks();
    int buffers = 0;
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      b.release();
      buffers++;
    }
    // 100 frames of 1,027 bytes, 15 to a 16 KiB batch.
    assertEquals(7, buffers);
    assertFalse(ch.finish());
  }

  @Test
  void discardReleasesTheOpenBatch() {
    EmbeddedChannel ch = new EmbeddedChannel();
    OutboundQueue q = new OutboundQueue(ch, () -> {});
    q.addData(1, 0, 0, true, new byte[10], 0, 10);
    q.discard();
    q.schedule();
    ch.runPendingTasks();
    assertNull(ch.readOutbound());
    assertTrue(q.hasRoom());
    assertFalse(ch.finish());
  }
}
