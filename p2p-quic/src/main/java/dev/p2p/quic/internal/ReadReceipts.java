package dev.p2p.quic.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.util.concurrent.TimeUnit;

/**
 * Read receipts on the reliable stream, both ways: what we read from the peer (reported to it now
 * and then, at most every {@link #EVERY_NANOS}, so the cost stays a few small frames a second), and
 * what the peer last said it read from us. When a connection dies, the difference between what we
 * wrote and the peer's last receipt is what we can say was not acknowledged. Event-loop confined.
 */
final class ReadReceipts {
  private static final long EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private long messagesRead;
  private long bytesRead;
  private long reportedMessages;
  private long lastReportNanos;

  private long peerReadMessages;
  private long peerReadBytes;

  /**
   * A message of {@code length} payload bytes from the peer was taken (it is ours to deliver). One
   * read after a local close and dropped is not counted.
   */
  void read(int length) {
    messagesRead++;
    bytesRead += length;
  }

  /** Writes a receipt if something new was read and the last one is old enough. */
  void maybeReport(QuicStreamChannel s, boolean force) {
    if (messagesRead == reportedMessages || s == null || !s.isActive()) {
      return;
    }
    long now = System.nanoTime();
    if (!force && now - lastReportNanos < EVERY_NANOS) {
      return;
    }
    lastReportNanos = now;
    reportedMessages = messagesRead;
    ByteBuf b =
        s.alloc()
            .directBuffer(StreamFrames.HEADER_LENGTH + StreamFrames.RECEIPT_LENGTH)
            .writeInt(StreamFrames.RECEIPT)
            .writeLong(messagesRead)
            .writeLong(bytesRead);
    s.writeAndFlush(b, s.voidPromise());
  }

  /** The peer's receipt arrived. Receipts only grow; a smaller one is ignored. */
  void peerRead(long messages, long bytes) {
    if (messages >= peerReadMessages && bytes >= peerReadBytes) {
      peerReadMessages = messages;
      peerReadBytes = bytes;
    }
  }

  long peerReadMessages() {
    return peerReadMessages;
  }

  long peerReadBytes() {
    return peerReadBytes;
  }
}
