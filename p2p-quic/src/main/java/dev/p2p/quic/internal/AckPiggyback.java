package dev.p2p.quic.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Lets the acknowledgement of a message that the application will answer leave in the answer's
 * packet instead of a packet of its own.
 *
 * <p>Netty's QUIC codec sends at the end of each socket read batch ({@code channelReadComplete}):
 * quiche acknowledges every ack-eliciting packet at the next send, so a 64-byte request cost the
 * receiver an ACK-only packet, and the answer a moment later a second one; the same again the other
 * way. Per round trip that was four packets where two carry everything: four {@code sendto}, four
 * receives, four quiche packet builds and parses, on the critical path of both event loops (each
 * loop sent the ACK before it took the answer's write).
 *
 * <p>So when a short batch (at most {@link #SMALL_BATCH_PACKETS} datagrams: an exchange of
 * messages, not a bulk transfer) handed a message to the application, the end of the batch is held
 * back, for at most the hold time. While it is held the codec takes writes without sending them
 * (its connections are still "in the read batch"); the first message or datagram written ends the
 * hold ({@link #answered()}), and the codec then sends acknowledgement and answer in one packet. An
 * application that does not answer in time costs its peer that much acknowledgement delay, far
 * below QUIC's max_ack_delay (25 ms), and the ACK frame reports the delay, so the peer's RTT
 * estimate does not grow. A new batch ends a hold at once. Once a hold ends without an answer (it
 * ran out, or more came in first: the receiver of a one-way transfer), batches are not held until
 * an answer comes within the hold time of a delivery again, so a bulk receiver's ACKs are not
 * delayed.
 *
 * <p>Sits in the socket's pipeline after {@link StreamReadBatches} (which delivers the batch's
 * messages at its end) and before the codecs. Event-loop confined.
 */
final class AckPiggyback extends ChannelInboundHandlerAdapter {
  /** Batches of more datagrams than this are a transfer in progress: their ACKs are never held. */
  static final int SMALL_BATCH_PACKETS = 4;

  private final long holdNanos;
  private ChannelHandlerContext ctx;
  private int packets; // datagrams in the batch being read
  private boolean delivered; // this batch handed the application a message
  private ScheduledFuture<?> hold; // non-null while the end of a batch is held back
  // False once a hold ran out unanswered (a bulk receiver, a one-way stream): holding then only
  // delays its ACKs. True again when an answer comes within the hold time of a delivery.
  private boolean answering = true;
  private long lastDeliveryNanos; // end of the last delivering batch that was not held
  private long held; // batch ends held so far (diagnostics, tests)
  private long answeredInTime; // of those, ended by an answer
  private long timedOut; // of those, ended by the timer: nobody answered in time

  AckPiggyback(long holdNanos) {
    this.holdNanos = holdNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (hold != null) {
      hold.cancel(false);
      hold = null;
    }
  }

  /** The handler of the socket under {@code quic}, or null if it has none. */
  static AckPiggyback of(Channel quic) {
    Channel socket = quic.parent();
    return socket == null ? null : socket.pipeline().get(AckPiggyback.class);
  }

  /** The batch being read handed a message to the application. Loop. */
  void delivered() {
    delivered = true;
  }

  /**
   * The application wrote a message or datagram: if a batch end is held, let it go now, so the
   * codec sends the acknowledgement together with what was just written. Loop.
   */
  void answered() {
    if (hold != null) {
      if (packets > 0) {
        // Inside a read batch (the codec may be mid-packet): its end lets the hold go, with this.
        return;
      }
      answeredInTime++;
      release();
    } else if (!answering && System.nanoTime() - lastDeliveryNanos < holdNanos) {
      answering = true; // this one would have been in time: hold again
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    packets++;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    boolean holdThis = delivered && packets <= SMALL_BATCH_PACKETS && holdNanos > 0;
    delivered = false;
    packets = 0;
    if (hold != null) {
      // More came in before any answer: a one-way stream, not an exchange. One end covers both
      // batches: the codec sends for every connection that read since.
      answering = false;
      release();
    } else if (holdThis && answering) {
      held++;
      hold = ctx.executor().schedule(this::holdExpired, holdNanos, TimeUnit.NANOSECONDS);
    } else {
      if (holdThis) {
        lastDeliveryNanos = System.nanoTime();
      }
      ctx.fireChannelReadComplete();
    }
  }

  private void holdExpired() {
    if (hold != null) {
      timedOut++;
      answering = false;
      release();
    }
  }

  private void release() {
    ScheduledFuture<?> h = hold;
    if (h == null) {
      return;
    }
    hold = null;
    h.cancel(false);
    ctx.fireChannelReadComplete();
  }

  /**
   * Batch ends held back so far, how many of them an answer ended, and how many the timer (the rest
   * ended with the next batch). Loop.
   */
  long[] counts() {
    return new long[] {held, answeredInTime, timedOut};
  }
}
