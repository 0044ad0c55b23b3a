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
