package dev.p2p.quic.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the message streams once per batch of received packets rather than once per packet. Netty's
 * QUIC codec reads a readable stream as each packet is processed: with 1,472-byte packets that is a
 * stream read, a buffer, a pass through the stream's pipeline and a read-complete per packet, and
 * the socket hands over up to 64 GRO buffers of ~44 packets each at a time. A stream that got data
 * in this batch ({@link #readLater}) is read here instead, at the end of the socket's read batch
 * and before the codecs send their acknowledgements for it. Sits in the socket's pipeline between
 * the path layer and the codecs. Event-loop confined.
 */
final class StreamReadBatches extends ChannelInboundHandlerAdapter {
  /** A stream to read at the end of the batch. */
  interface Reader {
    void readBatchEnded();
  }

  private List<Reader> pending = new ArrayList<>();
  private List<Reader> running = new ArrayList<>();

  /** Reads {@code reader} when the current batch ends. The caller asks at most once per batch. */
  void readLater(Reader reader) {
    pending.add(reader);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Readers that get data now ask again, for the next batch: swap before running.
    List<Reader> now = pending;
    pending = running;
    running = now;
    try {
      for (int i = 0; i < now.size(); i++) {
        now.get(i).readBatchEnded();
      }
    } finally {
      now.clear();
    }
    ctx.fireChannelReadComplete();
  }
}
