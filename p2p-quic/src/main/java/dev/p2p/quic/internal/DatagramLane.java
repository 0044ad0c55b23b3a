package dev.p2p.quic.internal;

import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * UNRELIABLE messages as QUIC DATAGRAM frames, each with a sequence number (see {@link
 * DatagramFrames}) so the receiver counts the ones that never arrived, including those a full send
 * queue dropped while their write futures reported success. They are queued in send order with the
 * reliable messages ({@link StreamOutbox}), which writes them here.
 */
final class DatagramLane {
  private final QuicChannel quic;
  private volatile int maxFrameLength = -1;
  private int nextSequence; // loop
  private int expectedSequence; // loop
  private final AtomicLong gaps = new AtomicLong();

  DatagramLane(QuicChannel quic) {
    this.quic = quic;
  }

  /** The largest DATAGRAM frame the peer takes, from QUIC's datagram extension event. */
  void maxFrameLength(int length) {
    maxFrameLength = length;
  }

  /** The largest UNRELIABLE message, or -1 while unknown / 0 if the peer has no datagrams. */
  int limit() {
    int limit = maxFrameLength;
    return limit <= DatagramFrames.HEADER_LENGTH ? limit : limit - DatagramFrames.HEADER_LENGTH;
  }

  /**
   * Why {@code message} cannot go as a datagram, as a failed future; null if it can. Any thread.
   */
  CompletableFuture<Void> refuse(byte[] message) {
    int limit = limit();
    if (limit <= 0) {
      return CompletableFuture.failedFuture(
          new ProtocolException("the peer does not accept QUIC datagrams; send RELIABLE instead"));
    }
    if (message.length > limit) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, limit, "QUIC datagram"));
    }
    return null;
  }

  /**
   * Hands a datagram to QUIC and flushes it, so it leaves ahead of the stream data queued after it;
   * false if the connection is gone. One flush each: QUIC's datagram send queue holds only {@code
   * P2P_QUIC_DATAGRAM_QUEUE} entries, and a whole burst handed over before one flush would overflow
   * it (QUIC drops the excess while the write still reports success). Loop.
   */
  boolean write(byte[] message) {
    if (!quic.isActive()) {
      return false;
    }
    ByteBuf buf = quic.alloc().directBuffer(DatagramFrames.HEADER_LENGTH + message.length);
    buf.writeInt(nextSequence++).writeBytes(message);
    quic.writeAndFlush(buf, quic.voidPromise());
    return true;
  }

  /** A DATAGRAM frame arrived: its message, or null if malformed. Loop. */
  byte[] received(ByteBuf content) {
    if (content.readableBytes() < DatagramFrames.HEADER_LENGTH) {
      return null;
    }
    int sequence = content.readInt();
    int gap = sequence - expectedSequence;
    if (gap > 0) {
      // Sent but never arrived: dropped by a full send queue or lost on the way.
      gaps.addAndGet(gap);
    }
    if (gap >= 0) {
      expectedSequence = sequence + 1;
    }
    byte[] message = new byte[content.readableBytes()];
    content.readBytes(message);
    return message;
  }

  /** UNRELIABLE messages that never arrived (sender queue drops and network loss). */
  long gaps() {
    return gaps.get();
  }
}
