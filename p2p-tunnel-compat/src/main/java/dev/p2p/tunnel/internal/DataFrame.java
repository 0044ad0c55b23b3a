package dev.p2p.tunnel.internal;

import io.netty.buffer.ByteBuf;

/**
 * A decoded DATA frame. It keeps the whole encoded frame so a relay can forward it unchanged (the
 * connection id is the same for both ends) without copying or re-encoding.
 */
public final class DataFrame implements TunnelFrame {
  private final ByteBuf frame;
  private final long connectionId;
  private final int channel;
  private final long messageNumber;
  private final boolean last;
  private ByteBuf source; // the socket read this frame is a slice of, or null
  private int sourceIndex;

  DataFrame(ByteBuf frame, long connectionId, int channel, long messageNumber, boolean last) {
    this.frame = frame;
    this.connectionId = connectionId;
    this.channel = channel;
    this.messageNumber = messageNumber;
    this.last = last;
  }

  @Override
  public FrameType type() {
    return FrameType.DATA;
  }

  public long connectionId() {
    return connectionId;
  }

  public int channel() {
    return channel;
  }

  public long messageNumber() {
    return messageNumber;
  }

  /** True if this fragment ends its message. */
  public boolean last() {
    return last;
  }

  /** Set by the decoder: this frame lies in {@code source} from {@code index}. */
  void slicedFrom(ByteBuf source, int index) {
    this.source = source;
    this.sourceIndex = index;
  }

  /**
   * The socket read this frame is a slice of, or null if it was copied together from several.
   * Identity only, not a reference this frame owns: a relay forwards adjacent frames of one read as
   * one slice of it while it holds those frames.
   */
  public ByteBuf source() {
    return source;
  }

  /** Where in {@link #source()} this frame begins. */
  public int sourceIndex() {
    return sourceIndex;
  }

  /** The whole encoded frame, length prefix included; owned by this object. */
  public ByteBuf frame() {
    return frame;
  }

  public int payloadLength() {
    return frame.readableBytes() - TunnelProtocol.DATA_HEADER_SIZE;
  }

  /** Copies the payload into {@code dst} at {@code offset}. */
  public void copyPayload(byte[] dst, int offset) {
    frame.getBytes(
        frame.readerIndex() + TunnelProtocol.DATA_HEADER_SIZE, dst, offset, payloadLength());
  }

  public void release() {
    frame.release();
  }

  @Override
  public String toString() {
    return "Data[conn "
        + connectionId
        + ", ch "
        + channel
        + ", msg "
        + messageNumber
        + (last ? ", last" : "")
        + ", "
        + payloadLength()
        + " B]";
  }
}
