package dev.p2p.quic.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.util.AttributeKey;

/**
 * Sits on each QUIC connection's pipeline and forwards its events to the {@link QuicPeerChannel}.
 */
final class QuicConnectionHandler extends ChannelInboundHandlerAdapter {
  static final AttributeKey<QuicPeerChannel> CONNECTION = AttributeKey.valueOf("p2p.connection");

  private final QuicP2PProvider provider;
  private int datagramLimit = 0;
  private String closeReason;
  private boolean peerRejectedUs;

  QuicConnectionHandler(QuicP2PProvider provider) {
    this.provider = provider;
  }

  private volatile io.netty.channel.Channel channel;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  /** The QUIC connection this handler serves, once it is set up; null before. */
  io.netty.channel.Channel channel() {
    return channel;
  }

  int datagramLimit() {
    return datagramLimit;
  }

  boolean peerRejectedUs() {
    return peerRejectedUs;
  }

  String closeReason() {
    return closeReason;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    QuicChannel quic = (QuicChannel) ctx.channel();
    if (!provider.isDialled(quic)) {
      provider.incoming(quic, this);
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      // New stream channels travel this way: the pipeline's tail registers them.
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      QuicPeerChannel c = ctx.channel().attr(CONNECTION).get();
      if (c != null) {
        c.onDatagram(buf);
      }
    } finally {
      buf.release();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof QuicDatagramExtensionEvent e) {
      datagramLimit = e.maxLength();
      QuicPeerChannel c = ctx.channel().attr(CONNECTION).get();
      if (c != null) {
        c.onDatagramLimit(e.maxLength());
      }
    } else if (evt instanceof QuicConnectionCloseEvent e) {
      // reason() threw NullPointerException when the peer sent none: read the fields defensively.
      String reason;
      try {
        byte[] r = e.reason();
        reason =
            r == null || r.length == 0
                ? ""
                : ": " + new String(r, java.nio.charset.StandardCharsets.UTF_8);
      } catch (RuntimeException ex) {
        reason = "";
      }
      if (e.isTlsError()) {
        peerRejectedUs = true;
        closeReason = "TLS error " + QuicConnectionCloseEvent.extractTlsError(e.error()) + reason;
      } else if (e.isApplicationClose() && e.error() == QuicPeerChannel.CLOSE_NOT_LISTENING) {
        closeReason = "the peer does not accept connections (not listening)";
      } else {
        closeReason =
            (e.isApplicationClose() ? "closed by the peer, code " : "transport error ")
                + e.error()
                + reason;
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    QuicChannel quic = (QuicChannel) ctx.channel();
    QuicPeerChannel c = quic.attr(CONNECTION).get();
    String reason =
        closeReason != null
            ? closeReason
            : quic.isTimedOut()
                ? "no packets from the peer within the idle timeout"
                : "connection closed";
    if (c != null) {
      c.onQuicClosed(reason);
    }
    provider.quicClosed(quic);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    provider.logConnectionError(ctx.channel(), cause);
  }
}
