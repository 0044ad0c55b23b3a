package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PeerId;
import dev.p2p.api.ProtocolException;
import dev.p2p.core.ConnectionLifecycle;
import io.netty.channel.ChannelHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.util.concurrent.CompletableFuture;

/**
 * The set-up of a connection once TLS has authenticated the peer: the dialler opens the message
 * stream and sends HELLO, the listener answers HELLO_ACK; each side is connected when it has the
 * other's frame. {@code connect()} completes only then, so it never returns a connection the peer
 * rejected a moment later (a TLS 1.3 client learns of a rejected certificate only after its
 * handshake). Event-loop confined.
 */
final class HelloExchange {
  /** What the exchange needs of its connection. */
  interface Host {
    /** The message stream is open (the dialler's, or the first the peer opened). */
    void attachStream(QuicStreamChannel s);

    void writeControl(int frame);

    void closeQuic(int code, String reason);

    void onStreamError(Throwable cause);

    /** Both frames went through: the connection is up. */
    void connected(String reason);
  }

  private final QuicChannel quic;
  private final PeerId peer;
  private final boolean dialler;
  private final ConnectionLifecycle lifecycle;
  private final Host host;
  private CompletableFuture<P2PConnection> established;
  private boolean streamAttached;

  HelloExchange(
      QuicChannel quic, PeerId peer, boolean dialler, ConnectionLifecycle lifecycle, Host host) {
    this.quic = quic;
    this.peer = peer;
    this.dialler = dialler;
    this.lifecycle = lifecycle;
    this.host = host;
  }

  /** Dialler: the TLS handshake is done; open the stream and say hello. */
  void startDialler(CompletableFuture<P2PConnection> established, ChannelHandler reader) {
    this.established = established;
    quic.createStream(QuicStreamType.BIDIRECTIONAL, reader)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail("could not open the message stream: " + f.cause());
                return;
              }
              attach((QuicStreamChannel) f.getNow());
              host.writeControl(StreamFrames.HELLO);
            });
  }

  /** Listener: the peer opened a stream. Only the first one is used; false for any other. */
  boolean acceptStream(QuicStreamChannel s) {
    if (streamAttached) {
      return false;
    }
    attach(s);
    return true;
  }

  private void attach(QuicStreamChannel s) {
    streamAttached = true;
    host.attachStream(s);
  }

  private void fail(String why) {
    CompletableFuture<P2PConnection> e = established;
    if (e != null) {
      e.completeExceptionally(new ConnectionFailedException(why));
    }
    host.closeQuic(CloseHandshake.CLOSE_RESET, why);
  }

  /** The peer's HELLO (we listen). */
  void helloReceived() {
    if (dialler || lifecycle.state() != ConnectionState.AUTHENTICATING) {
      host.onStreamError(new ProtocolException("unexpected HELLO"));
      return;
    }
    host.writeControl(StreamFrames.HELLO_ACK);
    host.connected("peer " + peer.shortString() + " authenticated");
  }

  /** The peer's HELLO_ACK (we dialled). */
  void helloAckReceived(P2PConnection connection) {
    if (!dialler || lifecycle.state() != ConnectionState.AUTHENTICATING) {
      host.onStreamError(new ProtocolException("unexpected HELLO_ACK"));
      return;
    }
    host.connected("peer " + peer.shortString() + " authenticated and accepted");
    established.complete(connection);
  }

  /** The QUIC connection ended; a connect still waiting fails with why. */
  void quicClosed(String reason) {
    CompletableFuture<P2PConnection> e = established;
    if (e != null && !e.isDone()) {
      e.completeExceptionally(
          new ConnectionFailedException("the connection ended during set-up (" + reason + ")"));
    }
  }
}
