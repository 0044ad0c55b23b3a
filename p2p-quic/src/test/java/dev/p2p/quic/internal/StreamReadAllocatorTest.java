package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * One {@code read()} of a batched stream takes everything the stream holds, in full buffers, up to
 * a cap that says so (the receiver then reads again without waiting for a packet), and stops as
 * soon as the inbox wants no more.
 */
@SuppressWarnings("deprecation")
class StreamReadAllocatorTest {
  private static final int FULL = StreamReadAllocator.BUFFER_BYTES;

  @Test
  void aReadGoesOnWhileBuffersComeBackFullAndStopsAtThePartOne() {
    StreamReadAllocator a = new StreamReadAllocator(() -> true);
    RecvByteBufAllocator.Handle h = start(a);
    assertTrue(read(h, FULL));
    assertTrue(read(h, FULL));
    assertFalse(read(h, 100), "a part buffer: the stream is empty");
    assertFalse(a.capped());
  }

  @Test
  void aReadStopsAtTheCapAndSaysSo() {
    StreamReadAllocator a = new StreamReadAllocator(() -> true);
    RecvByteBufAllocator.Handle h = start(a);
    for (int i = 1; i < StreamReadAllocator.MAX_BUFFERS; i++) {
      assertTrue(read(h, FULL), "buffer " + i);
    }
    assertFalse(read(h, FULL));
    assertTrue(a.capped());
    start(a);
    assertFalse(a.capped(), "the next read starts afresh");
  }

  @Test
  void aReadStopsWhenTheReceiverWantsNoMore() {
    AtomicBoolean wants = new AtomicBoolean(true);
    StreamReadAllocator a = new StreamReadAllocator(wants::get);
    RecvByteBufAllocator.Handle h = start(a);
    assertTrue(read(h, FULL));
    wants.set(false);
    assertFalse(read(h, FULL));
    assertFalse(a.capped(), "not capped: reading resumes when the inbox drains");
  }

  private static RecvByteBufAllocator.Handle start(StreamReadAllocator a) {
    RecvByteBufAllocator.Handle h = a.newHandle();
    h.reset(new DefaultChannelConfig(new EmbeddedChannel()));
    assertEquals(FULL, h.guess());
    return h;
  }

  /** One buffer read as the stream channel does it; true if it would read another. */
  private static boolean read(RecvByteBufAllocator.Handle h, int bytes) {
    h.attemptedBytesRead(FULL);
    h.lastBytesRead(bytes);
    h.incMessagesRead(1);
    return h.continueReading();
  }
}
