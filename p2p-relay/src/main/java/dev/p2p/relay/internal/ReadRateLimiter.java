package dev.p2p.relay.internal;

import dev.p2p.core.TokenBucket;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.TimeUnit;

/**
 * Charges every byte read from a client to its {@link TokenBucket}; once a read leaves the bucket
 * in debt, stops reading the socket until the debt is repaid, so TCP pushes back on the sender and
 * nothing is dropped. First in the pipeline (after TLS), so the limit covers every byte.
 */
final class ReadRateLimiter extends ChannelInboundHandlerAdapter {
  /** Re-check at least this often, so a paused client resumes promptly whatever the clock. */
  private static final long MAX_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final TokenBucket bucket;
  private final RelayMetrics metrics;
  private boolean paused;

  ReadRateLimiter(TokenBucket bucket, RelayMetrics metrics) {
    this.bucket = bucket;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      bucket.consume(buf.readableBytes());
      if (!paused && !bucket.canProceed()) {
        // Turning auto-read off also ends Netty's current read loop: a client gets at most one
        // socket read past its budget.
        paused = true;
        metrics.rateLimited(true);
        ctx.channel().config().setAutoRead(false);
        scheduleRecheck(ctx);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (paused) {
      paused = false;
      metrics.rateLimited(false);
    }
    ctx.fireChannelInactive();
  }

  private void scheduleRecheck(ChannelHandlerContext ctx) {
    long delay = Math.max(1_000_000L, Math.min(MAX_RECHECK_NANOS, bucket.nanosUntilRepaid()));
    ctx.executor()
        .schedule(
            () -> {
              if (!paused || !ctx.channel().isActive()) {
                return;
              }
              if (bucket.canProceed()) {
                paused = false;
                metrics.rateLimited(false);
                ctx.channel().config().setAutoRead(true);
              } else {
                scheduleRecheck(ctx);
              }
            },
            delay,
            TimeUnit.NANOSECONDS);
  }
}
