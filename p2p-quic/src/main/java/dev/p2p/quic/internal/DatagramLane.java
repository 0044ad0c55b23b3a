package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.ProtocolException;
import dev.p2p.core.TrafficCounters;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.quic.QuicChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * UNRELIABLE messages as QUIC DATAGRAM frames, each with a sequence number (see {@link
 * DatagramFrames}) so the receiver counts the ones that never arrived, including those a full send
 * queue dropped while their write futures reported success.
 */
final class DatagramLane {
  private final QuicChannel quic;
  private final TrafficCounters counters;
  private final Supplier<ConnectionClosedException> closedError;
  private volatile int maxFrameLength = -1;
  private int nextSequence; // loop
  private int expectedSequence; // loop
  private final AtomicLong gaps = new AtomicLong();

  DatagramLane(
      QuicChannel quic, TrafficCounters counters, Supplier<ConnectionClosedException> closedError) {
    this.quic = quic;
    this.counters = counters;
    this.closedError = closedError;
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

  CompletableFuture<Void> send(byte[] message) {
    int limit = limit();
    if (limit <= 0) {
      return CompletableFuture.failedFuture(
          new ProtocolException("the peer does not accept QUIC datagrams; send RELIABLE instead"));
    }
    if (message.length > limit) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, limit, "QUIC datagram"));
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    quic.eventLoop()
        .execute(
            () -> {
              if (!quic.isActive()) {
                f.completeExceptionally(closedError.get());
                return;
              }
              ByteBuf buf =
                  quic.alloc().directBuffer(DatagramFrames.HEADER_LENGTH + message.length);
              buf.writeInt(nextSequence++).writeBytes(message);
              quic.writeAndFlush(buf, quic.voidPromise());
              counters.sent(message.length);
              f.complete(null);
            });
    return f;
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
