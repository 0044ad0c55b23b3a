package dev.p2p.tunnel.server.internal;

import dev.p2p.core.TokenBucket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Charges every byte read from a client to its {@link TokenBucket}; once a read leaves the bucket
 * in debt, pauses reading until the debt is repaid. Sits before the frame decoder, so the limit
 * covers everything the client sends.
 */
final class ReadRateLimiter extends ChannelInboundHandlerAdapter {
  /** Re-check at least this often, so a paused client resumes promptly whatever the clock. */
  private static final long MAX_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final TokenBucket bucket;
  private final ReadGate gate;
  private boolean recheckScheduled;

  ReadRateLimiter(TokenBucket bucket, ReadGate gate) {
    this.bucket = bucket;
    this.gate = gate;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      bucket.consume(buf.readableBytes());
      if (!bucket.canProceed()) {
        // Turning auto-read off here also ends Netty's current read loop, so a client gets at
        // most one socket read (<= 64 KiB) past its budget.
        gate.rateLimited(true);
        scheduleRecheck(ctx);
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void scheduleRecheck(ChannelHandlerContext ctx) {
    if (recheckScheduled) {
      return;
    }
    recheckScheduled = true;
    long delay = Math.max(1_000_000L, Math.min(MAX_RECHECK_NANOS, bucket.nanosUntilRepaid()));
    ctx.executor()
        .schedule(
            () -> {
              recheckScheduled = false;
              if (!ctx.channel().isActive()) {
                return;
              }
              if (bucket.canProceed()) {
                gate.rateLimited(false);
              } else {
                scheduleRecheck(ctx);
              }
            },
            delay,
            TimeUnit.NANOSECONDS);
  }
}
