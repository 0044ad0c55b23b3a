package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Cuts the byte stream into whole frames (length prefix kept) and decodes them. A frame longer than
 * the limit is refused from its prefix alone, before any of it is buffered. After the first error
 * it discards all input: the session is being closed.
 */
public final class TunnelFrameDecoder extends ByteToMessageDecoder {
  private volatile int maxFrameSize;
  private boolean failed;

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
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < 4) {
      return;
    }
    long length = in.getUnsignedInt(in.readerIndex());
    if (length < 2 || length + 4 > maxFrameSize) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw new TunnelProtocolException(
          length < 2 ? ErrorCode.MALFORMED_FRAME : ErrorCode.FRAME_TOO_LARGE,
          "frame of " + (length + 4) + " bytes; the limit is " + maxFrameSize);
    }
    if (in.readableBytes() < length + 4) {
      return;
    }
    try {
      out.add(TunnelFrameCodec.decode(in.readRetainedSlice((int) length + 4)));
    } catch (TunnelProtocolException e) {
      failed = true;
      in.skipBytes(in.readableBytes());
      throw e;
    }
  }
}
