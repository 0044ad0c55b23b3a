package dev.p2p.relay.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket08FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameDecoder;
import io.netty.util.ReferenceCountUtil;

/**
 * The relay's WebSocket frame decoder (RFC 6455 section 5.2), in place of Netty's once the upgrade
 * is done: on the relay for frames from clients ({@link #install}), which must be masked, and on
 * the relay client for frames from the relay, which must not be. A payload is passed up as a slice
 * of the read buffer, unmasked where it lies ({@link WebSocketMask}), instead of a copy: Netty's
 * decoder copies every payload and then unmasks it four bytes per checked {@code ByteBuf} call,
 * which was half the relay thread's samples in bulk. Only a frame cut by the end of a read is
 * copied, into a buffer of its own size that the next reads complete: Netty's {@code
 * ByteToMessageDecoder} instead copied every read that followed a cut frame into a growing
 * cumulation, a tenth of the receiving client's samples. On the relay, which queues what it
 * decodes, a payload small beside its read buffer is copied instead ({@link #sliced}), so that a
 * queued packet never holds much more memory than its size.
 *
 * <p>It refuses what Netty's refuses with the relay's configuration: a frame masked otherwise than
 * expected, a reserved bit or opcode, a control frame that is fragmented, longer than 125 bytes or
 * a close with a one-byte body or an invalid status, a length not in its shortest form, and a
 * payload over the limit (status {@link WebSocketCloseStatus#MESSAGE_TOO_BIG}) as soon as its
 * length is read, before any of it is buffered. A refusal is a {@link
 * CorruptedWebSocketFrameException} down the pipeline, after which every byte is discarded, as
 * after a close frame. Data frames are passed up whatever their fragmentation; the session refuses
 * all but unfragmented binary ones with its reason frame.
 */
final class SlicingFrameDecoder extends ChannelInboundHandlerAdapter
    implements WebSocketFrameDecoder {

  /**
   * A payload at least this big, and at least a quarter of its read buffer, is passed on as a slice
   * where payloads are queued: smaller ones are copied, so that a queue bounded by its packets'
   * bytes is bounded in memory as well, within four times.
   */
  static final int MIN_SLICE = 4096;

  /** The longest frame header with its mask key: what a cut frame's buffer starts with. */
  private static final int HEADER_MAX = 14;

  private final int maxPayload;
  private final boolean masked;
  private final int minSlice;
  private boolean discarding;
  private ByteBuf partial; // the frame cut by the end of the last read, or null
  private boolean readSeen; // this read batch brought bytes
  private boolean frameSeen; // this read batch completed a frame

  /**
   * @param masked whether frames must be masked (from clients) or must not be (from the relay)
   * @param minSlice 0 to pass every payload on as a slice (what is decoded is consumed at once);
   *     else the smallest payload passed on as a slice, which must also be a quarter of its read
   *     buffer (what is decoded may wait in a queue)
   */
  SlicingFrameDecoder(int maxPayload, boolean masked, int minSlice) {
    this.maxPayload = maxPayload;
    this.masked = masked;
    this.minSlice = minSlice;
  }

  /** The decoder for the relay, of frames from clients. */
  static SlicingFrameDecoder forClientFrames(int maxPayload) {
    return new SlicingFrameDecoder(maxPayload, true, MIN_SLICE);
  }

  /** The decoder for a relay client, of frames from the relay. */
  static SlicingFrameDecoder forRelayFrames(int maxPayload) {
    return new SlicingFrameDecoder(maxPayload, false, 0);
  }

  /**
   * Replaces the pipeline's Netty frame decoder (after the server handshake) with this one; bytes
   * the old one had buffered pass to the new one. A pipeline without one is left as it is.
   */
  static void install(ChannelPipeline pipeline, int maxPayload) {
    if (pipeline.get(WebSocket08FrameDecoder.class) == null) {
      return;
    }
    pipeline.replace(WebSocket08FrameDecoder.class, "wsdecoder", forClientFrames(maxPayload));
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    readSeen = true;
    try {
      if (discarding) {
        return;
      }
      if (partial != null) {
        if (!fillPartial(in)) {
          return; // all of this read went into the cut frame
        }
        ByteBuf whole = partial;
        partial = null;
        try {
          emit(ctx, decodeFrame(ctx, whole, whole.readableBytes()));
        } finally {
          whole.release();
        }
      }
      while (!discarding) {
        int size = frameSize(in);
        if (size < 0 || in.readableBytes() < size) {
          break;
        }
        emit(ctx, decodeFrame(ctx, in, size));
      }
      if (!discarding && in.isReadable()) {
        int size = frameSize(in);
        partial = ctx.alloc().buffer(size < 0 ? HEADER_MAX : size);
        partial.writeBytes(in);
      }
    } catch (CorruptedWebSocketFrameException e) {
      releasePartial();
      ctx.fireExceptionCaught(e);
    } finally {
      in.release();
    }
  }

  /**
   * Moves bytes of {@code in} into the cut frame; true once it holds the whole frame, false if
   * {@code in} ran out first. Refuses a bad header as soon as its bytes are in.
   */
  private boolean fillPartial(ByteBuf in) {
    while (true) {
      int size = frameSize(partial);
      int want = size >= 0 ? size : headerBytes(partial);
      int missing = want - partial.readableBytes();
      if (missing <= 0) {
        return true;
      }
      if (!in.isReadable()) {
        return false;
      }
      int n = Math.min(missing, in.readableBytes());
      partial.ensureWritable(n);
      partial.writeBytes(in, n);
    }
  }

  private void emit(ChannelHandlerContext ctx, WebSocketFrame frame) {
    frameSeen = true;
    if (frame instanceof CloseWebSocketFrame) {
      discarding = true; // nothing after a close is read (RFC 6455 section 5.5.1)
    }
    ctx.fireChannelRead(frame);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // As ByteToMessageDecoder: with auto-read off (the relay's rate limit), a read that completed
    // no frame asks for the next, so the frame in progress is not left waiting for a resume.
    if (readSeen && !frameSeen && !discarding && !ctx.channel().config().isAutoRead()) {
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

  /** How many bytes of a frame's start tell its length: 2, or 4 or 10 with a longer length. */
  private static int headerBytes(ByteBuf in) {
    if (in.readableBytes() < 2) {
      return 2;
    }
    int len1 = in.getUnsignedByte(in.readerIndex() + 1) & 0x7F;
    return len1 == 126 ? 4 : len1 == 127 ? 10 : 2;
  }

  /**
   * The size of the frame at {@code in}'s reader index (header, mask key and payload), once its
   * header is there, checked as Netty checks it; -1 while more of the header is needed.
   */
  private int frameSize(ByteBuf in) {
    int start = in.readerIndex();
    int readable = in.readableBytes();
    if (readable < 2) {
      return -1;
    }
    int b0 = in.getUnsignedByte(start);
    int b1 = in.getUnsignedByte(start + 1);
    boolean fin = (b0 & 0x80) != 0;
    int opcode = b0 & 0x0F;
    int len1 = b1 & 0x7F;
    if ((b0 & 0x70) != 0) {
      throw violation(in, "RSV != 0 and no extension negotiated, RSV:" + ((b0 & 0x70) >> 4));
    }
    if (((b1 & 0x80) != 0) != masked) {
      throw violation(in, "received a frame that is not masked as expected");
    }
    boolean control = opcode > 7;
    if (control) {
      if (!fin) {
        throw violation(in, "fragmented control frame");
      }
      if (len1 > 125) {
        throw violation(in, "control frame with payload length > 125 octets");
      }
      if (opcode != WebSocketOpcodes.CLOSE
          && opcode != WebSocketOpcodes.PING
          && opcode != WebSocketOpcodes.PONG) {
        throw violation(in, "control frame using reserved opcode " + opcode);
      }
      if (opcode == WebSocketOpcodes.CLOSE && len1 == 1) {
        throw violation(in, "received close control frame with payload len 1");
      }
    } else if (opcode != WebSocketOpcodes.CONTINUATION
        && opcode != WebSocketOpcodes.TEXT
        && opcode != WebSocketOpcodes.BINARY) {
      throw violation(in, "data frame using reserved opcode " + opcode);
    }
    int header = 2;
    long length;
    if (len1 == 126) {
      if (readable < 4) {
        return -1;
      }
      length = in.getUnsignedShort(start + 2);
      header = 4;
      if (length < 126) {
        throw violation(in, "invalid data frame length (not using minimal length encoding)");
      }
    } else if (len1 == 127) {
      if (readable < 10) {
        return -1;
      }
      length = in.getLong(start + 2);
      header = 10;
      if (length < 65536) { // also a negative length, as Netty has it
        throw violation(in, "invalid data frame length (not using minimal length encoding)");
      }
    } else {
      length = len1;
    }
    if (length < 0 || length > maxPayload) {
      throw violation(
          in,
          WebSocketCloseStatus.MESSAGE_TOO_BIG,
          "Max frame length of " + maxPayload + " has been exceeded.");
    }
    return header + (masked ? 4 : 0) + (int) length;
  }

  /** The whole frame of {@code size} bytes at {@code in}'s reader index, consumed. */
  private WebSocketFrame decodeFrame(ChannelHandlerContext ctx, ByteBuf in, int size) {
    int start = in.readerIndex();
    int b0 = in.getUnsignedByte(start);
    boolean fin = (b0 & 0x80) != 0;
    int opcode = b0 & 0x0F;
    int len1 = in.getUnsignedByte(start + 1) & 0x7F;
    int header = len1 == 126 ? 4 : len1 == 127 ? 10 : 2;
    int at = start + header + (masked ? 4 : 0); // the payload's first byte
    int payloadSize = start + size - at;
    ByteBuf payload = null;
    try {
      if (sliced(in, payloadSize)) {
        if (masked) {
          WebSocketMask.xorInPlace(in, at, payloadSize, in.getInt(at - 4));
        }
        payload = in.retainedSlice(at, payloadSize);
      } else {
        payload = ctx.alloc().buffer(payloadSize);
        if (masked) {
          WebSocketMask.xor(in, at, payloadSize, payload, in.getInt(at - 4));
        } else {
          payload.writeBytes(in, at, payloadSize);
        }
      }
      if (opcode == WebSocketOpcodes.CLOSE) {
        checkCloseBody(in, payload);
      }
      in.readerIndex(at + payloadSize);
      WebSocketFrame frame = frame(opcode, fin, payload);
      payload = null;
      return frame;
    } finally {
      if (payload != null) {
        payload.release();
      }
    }
  }

  /** Whether a payload of {@code size} is passed on as a slice of {@code in} rather than a copy. */
  private boolean sliced(ByteBuf in, int size) {
    if (in.isReadOnly()) {
      return false; // cannot be unmasked in place, and its slices would be read-only
    }
    return minSlice == 0 || size >= minSlice && size >= in.capacity() / 4;
  }

  private static WebSocketFrame frame(int opcode, boolean fin, ByteBuf payload) {
    return switch (opcode) {
      case WebSocketOpcodes.BINARY -> new BinaryWebSocketFrame(fin, 0, payload);
      case WebSocketOpcodes.TEXT -> new TextWebSocketFrame(fin, 0, payload);
      case WebSocketOpcodes.CONTINUATION -> new ContinuationWebSocketFrame(fin, 0, payload);
      case WebSocketOpcodes.PING -> new PingWebSocketFrame(payload);
      case WebSocketOpcodes.PONG -> new PongWebSocketFrame(payload);
      default -> new CloseWebSocketFrame(true, 0, payload);
    };
  }

  private void checkCloseBody(ByteBuf in, ByteBuf body) {
    if (body.readableBytes() >= 2) {
      int status = body.getUnsignedShort(body.readerIndex());
      if (!WebSocketCloseStatus.isValidStatusCode(status)) {
        throw violation(in, "Invalid close frame status code: " + status);
      }
    }
  }

  private CorruptedWebSocketFrameException violation(ByteBuf in, String why) {
    return violation(in, WebSocketCloseStatus.PROTOCOL_ERROR, why);
  }

  private CorruptedWebSocketFrameException violation(
      ByteBuf in, WebSocketCloseStatus status, String why) {
    discarding = true;
    in.skipBytes(in.readableBytes());
    return new CorruptedWebSocketFrameException(status, why);
  }
}
