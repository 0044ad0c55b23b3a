package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;

/**
 * Cuts the byte stream into whole frames (length prefix kept) and decodes them. A frame longer than
 * the limit is refused from its prefix alone, before any of it is buffered. After the first error
 * it discards all input: the session is being closed, and the error reaches the pipeline as a
 * {@link DecoderException} around the {@link TunnelProtocolException}.
 *
 * <p>Frames lying whole inside a socket read are slices of the read's buffer, never copied. Only
 * the frame cut by the end of a read is copied, into a buffer of its own size, which the next reads
 * complete. Netty's {@code ByteToMessageDecoder} instead copied every read that followed a partial
 * frame into its cumulation (nearly every read, with 1 KiB frames in a stream): that copy was the
 * largest single cost of the server's reading loop and a tenth of the client's.
 */
public final class TunnelFrameDecoder extends ChannelInboundHandlerAdapter {
  /**
   * The largest socket read, for a client's channel to the server and the server's channel from a
   * client with flow control. Netty's default stops at 64 KiB, less than one 64 KiB message's
   * frame, so every such frame was cut by a read's end and copied whole; from 256 KiB on most
   * arrive inside one read. The reads still adapt downward to what arrives, so an idle or slow
   * channel does not hold big buffers.
   */
  public static final int MAX_READ_BYTES = 256 * 1024;

  /** The read sizes for a channel whose reads no bound depends on. */
  public static RecvByteBufAllocator readAllocator() {
    return new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ_BYTES);
  }

  private volatile int maxFrameSize;
  private boolean failed;
  private ByteBuf partial; // the frame cut by the end of the last read, or null
  private boolean readSeen; // this read batch brought bytes
  private boolean frameSeen; // this read batch completed a frame

  /**
   * @param maxFrameSize the largest frame accepted, length prefix included
   */
  public TunnelFrameDecoder(int maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Changes the limit, e.g. once a client has registered. */
  public void maxFrameSize(int bytes) {
    this.maxFrameSize = bytes;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    readSeen = true;
    try {
      if (failed) {
        return;
      }
      if (partial != null && !completePartial(ctx, in)) {
        return; // all of this read went into the partial frame
      }
      while (in.readableBytes() >= 4) {
        int total = frameSize(in.getUnsignedInt(in.readerIndex()));
        if (in.readableBytes() < total) {
          break;
        }
        int start = in.readerIndex();
        TunnelFrame decoded = TunnelFrameCodec.decode(in.readRetainedSlice(total));
        if (decoded instanceof DataFrame data && in.unwrap() == null) {
          // Only a root buffer: its slices keep it alive, so it stays the same buffer while any
          // frame of it is held. A derived or wrapping one may be recycled once released.
          data.slicedFrom(in, start);
        }
        frameSeen = true;
        ctx.fireChannelRead(decoded);
      }
      if (in.isReadable()) {
        int size = in.readableBytes() >= 4 ? frameSize(in.getUnsignedInt(in.readerIndex())) : 4;
        partial = ctx.alloc().buffer(size);
        partial.writeBytes(in);
      }
    } catch (TunnelProtocolException e) {
      fail();
      ctx.fireExceptionCaught(new DecoderException(e));
    } finally {
      in.release();
    }
  }

  /**
   * Moves bytes of {@code in} into the partial frame; returns true once it is whole (and passed
   * on), false if {@code in} ran out first.
   */
  private boolean completePartial(ChannelHandlerContext ctx, ByteBuf in) {
    if (partial.readableBytes() < 4) {
      partial.writeBytes(in, Math.min(4 - partial.readableBytes(), in.readableBytes()));
      if (partial.readableBytes() < 4) {
        return false;
      }
    }
    int total = frameSize(partial.getUnsignedInt(partial.readerIndex()));
    int missing = total - partial.readableBytes();
    partial.ensureWritable(missing);
    partial.writeBytes(in, Math.min(missing, in.readableBytes()));
    if (partial.readableBytes() < total) {
      return false;
    }
    ByteBuf frame = partial;
    partial = null;
    emit(ctx, frame);
    return true;
  }

  /** The whole frame's size from its length prefix, or a protocol error. */
  private int frameSize(long length) {
    if (length < 2 || length + 4 > maxFrameSize) {
      throw new TunnelProtocolException(
          length < 2 ? ErrorCode.MALFORMED_FRAME : ErrorCode.FRAME_TOO_LARGE,
          "frame of " + (length + 4) + " bytes; the limit is " + maxFrameSize);
    }
    return (int) length + 4;
  }

  /** Decodes one whole frame (taking ownership of it) and passes it on. */
  private void emit(ChannelHandlerContext ctx, ByteBuf frame) {
    TunnelFrame decoded = TunnelFrameCodec.decode(frame);
    frameSeen = true;
    ctx.fireChannelRead(decoded);
  }

  private void fail() {
    failed = true;
    releasePartial();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // As ByteToMessageDecoder: with auto-read off, a read that completed no frame asks for the
    // next, so the frame in progress is not left waiting for an unrelated resume.
    if (readSeen && !frameSeen && !failed && !ctx.channel().config().isAutoRead()) {
      ctx.read();
    }
    readSeen = false;
    frameSeen = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    releasePartial(); // a frame cut by the end of the stream is incomplete: nothing to decode
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releasePartial();
  }

  private void releasePartial() {
    if (partial != null) {
      ReferenceCountUtil.safeRelease(partial);
      partial = null;
    }
  }
}
