package dev.p2p.quic.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;

/**
 * Sits on each QUIC connection's pipeline and forwards its events to the {@link QuicPeerChannel};
 * turns the peer's CONNECTION_CLOSE into words.
 */
final class QuicConnectionHandler extends ChannelInboundHandlerAdapter {
  static final AttributeKey<QuicPeerChannel> CONNECTION = AttributeKey.valueOf("p2p.connection");

  /** Where the provider hears of connections coming and going. */
  interface Owner {
    /** A connection we did not dial finished its TLS handshake. */
    void incomingUp(QuicChannel quic, QuicConnectionHandler handler);

    void connectionGone(QuicChannel quic);
  }

  private final Owner owner;
  private final boolean dialled;
  private int datagramLimit = 0;
  private String closeReason;
  private boolean peerClosedNormally;
  private boolean peerRejectedUs;
  private volatile io.netty.channel.Channel channel;

  QuicConnectionHandler(Owner owner, boolean dialled) {
    this.owner = owner;
    this.dialled = dialled;
  }

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

  /** Why the peer closed the connection, if it said; null otherwise. */
  String closeReason() {
    return closeReason;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (!dialled) {
      owner.incomingUp((QuicChannel) ctx.channel(), this);
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
      peerClosed(e);
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void peerClosed(QuicConnectionCloseEvent e) {
    // reason() threw NullPointerException when the peer sent none: read it defensively.
    String text;
    try {
      byte[] r = e.reason();
      text = r == null || r.length == 0 ? "" : new String(r, StandardCharsets.UTF_8);
    } catch (RuntimeException ex) {
      text = "";
    }
    String detail = text.isEmpty() ? "" : ": " + text;
    if (e.isTlsError()) {
      peerRejectedUs = true;
      closeReason = "TLS error " + QuicConnectionCloseEvent.extractTlsError(e.error()) + detail;
    } else if (!e.isApplicationClose()) {
      closeReason = "the peer ended the connection with QUIC transport error " + e.error() + detail;
    } else if (e.error() == CloseHandshake.CLOSE_NORMAL) {
      peerClosedNormally = true;
      closeReason = "the peer closed the connection";
    } else if (e.error() == CloseHandshake.CLOSE_NOT_LISTENING) {
      closeReason = "the peer does not accept connections (not listening)";
    } else if (e.error() == CloseHandshake.CLOSE_RESET) {
      closeReason = "the peer reset the connection" + (text.isEmpty() ? "" : " (" + text + ")");
    } else if (e.error() == CloseHandshake.CLOSE_PROTOCOL_ERROR) {
      closeReason = "the peer reported a protocol error" + detail;
    } else {
      closeReason = "closed by the peer, code " + e.error() + detail;
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    QuicChannel quic = (QuicChannel) ctx.channel();
    QuicPeerChannel c = quic.attr(CONNECTION).get();
    if (c != null) {
      c.onQuicClosed(closeReason, peerClosedNormally);
    }
    owner.connectionGone(quic);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    org.slf4j.LoggerFactory.getLogger(QuicConnectionHandler.class)
        .debug("QUIC connection {} failed", ctx.channel(), cause);
  }
}
