package dev.p2p.tunnel.server.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ReadSizesTest {
  private static final int NETTY_MAX = 64 * 1024;

  /** Read loops in which every read fills its buffer: an adaptive handle grows to its maximum. */
  private static int guessAfterFullReads(RecvByteBufAllocator.Handle handle, ChannelConfig config) {
    for (int loop = 0; loop < 40; loop++) {
      handle.reset(config);
      int guess = handle.guess();
      handle.attemptedBytesRead(guess);
      handle.lastBytesRead(guess);
      handle.incMessagesRead(1);
      handle.readComplete();
    }
    return handle.guess();
  }

  @Test
  void readsStayAtNettysSizeUntilAllowedThenGrowPastIt() {
    EmbeddedChannel ch = new EmbeddedChannel();
    ReadSizes sizes = new ReadSizes();
    RecvByteBufAllocator.Handle handle = sizes.newHandle();

    int before = guessAfterFullReads(handle, ch.config());
    assertTrue(before <= NETTY_MAX, "a client not yet known keeps 64 KiB reads, got " + before);

    sizes.allowBigReads();
    int after = guessAfterFullReads(handle, ch.config());
    assertTrue(after > NETTY_MAX, "allowed, the same handle reads more than 64 KiB, got " + after);
    ch.finishAndReleaseAll();
  }
}
