package dev.p2p.quic.internal;

import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries a {@link TraversalOffer} over the QUIC connection: each side opens one unidirectional
 * stream, writes its offer and ends the stream. A dedicated stream keeps the message stream's
 * framing untouched, and QUIC's key pinning has authenticated whoever sends it (the offer holds the
 * secret that authenticates probes). An offer over {@link TraversalOffer#MAX_LENGTH} bytes or
 * malformed is dropped with its stream. Event-loop confined.
 */
final class TraversalStream {
  private static final Logger log = LoggerFactory.getLogger(TraversalStream.class);

  private TraversalStream() {}

  static boolean isTraversal(QuicStreamChannel s) {
    return s.type() == QuicStreamType.UNIDIRECTIONAL && !s.isLocalCreated();
  }

  static void send(QuicChannel quic, TraversalOffer offer) {
    if (!quic.isActive()) {
      return;
    }
    quic.createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("could not open the traversal stream: {}", f.cause().toString());
                return;
              }
              QuicStreamChannel s = (QuicStreamChannel) f.getNow();
              // shutdownOutput sends the FIN that tells the reader the offer is complete.
              s.writeAndFlush(Unpooled.wrappedBuffer(offer.encode()))
                  .addListener(w -> s.shutdownOutput());
            });
  }

  /** Reads one offer to the end of the stream and hands it to {@code onOffer}. */
  static ChannelInboundHandlerAdapter reader(Consumer<TraversalOffer> onOffer) {
    return new ChannelInboundHandlerAdapter() {
      private ByteBuf buf;
      private boolean failed;

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
          if (failed) {
            return;
          }
          if (buf == null) {
            buf = ctx.alloc().heapBuffer(TraversalOffer.MAX_LENGTH);
          }
          if (buf.readableBytes() + in.readableBytes() > TraversalOffer.MAX_LENGTH) {
            failed = true;
            ctx.close();
            return;
          }
          buf.writeBytes(in);
        } finally {
          in.release();
        }
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
          finish(); // the peer's FIN: the offer is complete
          ctx.close();
        }
        ctx.fireUserEventTriggered(evt);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        finish();
      }

      private void finish() {
        ByteBuf b = buf;
        buf = null;
        if (b == null) {
          return;
        }
        try {
          if (!failed) {
            onOffer.accept(TraversalOffer.decode(b));
          }
        } catch (RuntimeException e) {
          log.debug("dropped a malformed traversal offer: {}", e.getMessage());
        } finally {
          b.release();
        }
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed = true;
        ctx.close();
      }
    };
  }
}
