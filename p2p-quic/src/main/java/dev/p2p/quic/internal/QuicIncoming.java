package dev.p2p.quic.internal;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.PathLayerHandler;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.tls.Ed25519CertificateFactory;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections other peers dial to us: the peer's key from its certificate, the connection, its
 * stream, and the hand-over to the listener once HELLO arrived. Event loop.
 */
final class QuicIncoming {
  private static final Logger log = LoggerFactory.getLogger(QuicIncoming.class);

  private final QuicP2PProvider provider;
  private final PathLayerHandler pathLayer;

  QuicIncoming(QuicP2PProvider provider, PathLayerHandler pathLayer) {
    this.provider = provider;
    this.pathLayer = pathLayer;
  }

  /** A dialler finished the TLS handshake with us; null if it is turned away. */
  QuicPeerChannel connectionUp(QuicChannel quic, QuicConnectionHandler handler) {
    QuicPeerChannel existing = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (existing != null) {
      return existing;
    }
    if (provider.isClosed() || provider.activeListener() == null) {
      quic.close(true, CloseHandshake.CLOSE_NOT_LISTENING, quic.alloc().buffer(0));
      return null;
    }
    PeerId peer;
    try {
      java.security.cert.Certificate[] chain = quic.sslEngine().getSession().getPeerCertificates();
      peer =
          PeerId.fromPublicKey(
              Ed25519CertificateFactory.verifiedPeerKey((X509Certificate) chain[0]));
    } catch (Exception e) {
      log.debug("closing a connection without a usable peer certificate", e);
      quic.close();
      return null;
    }
    PeerPath path = pathLayer.pathOf((InetSocketAddress) quic.remoteSocketAddress());
    if (path != null) {
      if (!pathLayer.bindPeer(peer, path)) {
        // A relay claimed these packets came from someone else: it lied, so trust nothing of it.
        quic.close(true, CloseHandshake.CLOSE_PROTOCOL_ERROR, quic.alloc().buffer(0));
        return null;
      }
      path.accepted.incrementAndGet();
      quic.closeFuture().addListener(f -> path.accepted.decrementAndGet());
    }
    QuicPeerChannel c = new QuicPeerChannel(provider, quic, peer, path, false);
    c.onDatagramLimit(handler.datagramLimit());
    quic.attr(QuicConnectionHandler.CONNECTION).set(c);
    provider.register(c);
    return c;
  }

  /** The dialler opened its stream: the first one carries the messages. */
  void stream(QuicStreamChannel stream) {
    QuicChannel quic = stream.parent();
    QuicPeerChannel c = quic.attr(QuicConnectionHandler.CONNECTION).get();
    if (c == null && !quic.hasAttr(QuicEndpoint.DIAL)) {
      QuicConnectionHandler h = quic.pipeline().get(QuicConnectionHandler.class);
      c = h == null ? null : connectionUp(quic, h);
    }
    if (c == null) {
      stream.close();
      return;
    }
    if (TraversalStream.isTraversal(stream)) {
      c.acceptTraversalStream(stream);
      return;
    }
    stream.pipeline().addLast(c.newStreamReader());
    if (!c.acceptStream(stream)) {
      stream.close();
    }
  }

  /** The connection is authenticated both ways (HELLO arrived): hand it to the listener. */
  void authenticated(QuicPeerChannel c) {
    QuicPeerListener l = provider.activeListener();
    if (l == null || !l.offer(c)) {
      c.close();
    }
  }
}
