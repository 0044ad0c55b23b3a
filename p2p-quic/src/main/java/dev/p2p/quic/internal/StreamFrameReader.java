package dev.p2p.quic.internal;

import dev.p2p.api.ProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.util.ReferenceCountUtil;

/**
 * Reads the reliable stream into whole messages, copying each payload once, straight into the array
 * handed to {@code recv}. A length above the limit is a protocol error, so a peer can never make us
 * buffer more than one maximum-size message.
 */
final class StreamFrameReader extends ChannelInboundHandlerAdapter {
  /** What the reader tells its connection. Called on the event loop. */
  interface Sink {
    void onMessage(byte[] message);

    void onControl(int frame);

    /** The peer has read this many messages and payload bytes of ours. */
    void onReceipt(long messages, long bytes);

    /** The end of one read batch: a good moment to answer with a receipt. */
    void onReadComplete();

    void onStreamError(Throwable cause);

    void onStreamEnd();
  }

  private final Sink sink;
  private final int maxMessageSize;
  private int header;
  private int headerBytes;
  private byte[] message;
  private boolean receipt; // message holds a receipt body, not an application message
  private int filled;

  StreamFrameReader(Sink sink, int maxMessageSize) {
    this.sink = sink;
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      read(buf);
    } catch (ProtocolException e) {
      sink.onStreamError(e);
      ctx.close();
    } finally {
      buf.release();
    }
  }

  private void read(ByteBuf buf) {
    while (buf.isReadable()) {
      if (message == null) {
        while (headerBytes < StreamFrames.HEADER_LENGTH && buf.isReadable()) {
          header = (header << 8) | buf.readUnsignedByte();
          headerBytes++;
        }
        if (headerBytes < StreamFrames.HEADER_LENGTH) {
          return;
        }
        headerBytes = 0;
        if (header == StreamFrames.RECEIPT) {
          message = new byte[StreamFrames.RECEIPT_LENGTH];
          receipt = true;
          filled = 0;
          continue;
        }
        if (StreamFrames.isControl(header)) {
          sink.onControl(header);
          continue;
        }
        if (header > maxMessageSize) {
          throw new ProtocolException(
              "peer sent a message of "
                  + header
                  + " bytes, above the limit of "
                  + maxMessageSize
                  + "; both peers must use the same P2P_MAX_MESSAGE_SIZE");
        }
        message = new byte[header];
        filled = 0;
      }
      int n = Math.min(buf.readableBytes(), message.length - filled);
      buf.readBytes(message, filled, n);
      filled += n;
      if (filled == message.length) {
        byte[] done = message;
        message = null;
        if (receipt) {
          receipt = false;
          java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(done);
          sink.onReceipt(b.getLong(), b.getLong());
        } else {
          sink.onMessage(done);
        }
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    sink.onReadComplete();
    ctx.fireChannelReadComplete();
  }

  /**
   * Only a FIN from the peer ends the stream here. The stream going inactive because its QUIC
   * connection closed is reported by the connection, with the connection's reason (an idle timeout
   * is not "the peer ended the stream").
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownReadComplete) {
      sink.onStreamEnd();
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    sink.onStreamError(cause);
    ctx.close();
  }
}
