package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.core.AcceptQueue;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Hands out connections the tunnel server brought in. Its address is the server's. */
final class TunnelListener implements P2PListener {
  /** Incoming connections nobody accepted yet; beyond this, requests are refused. */
  static final int BACKLOG = 128;

  private final TunnelProvider provider;
  private final String localAddr;
  private final PeerAddress peerAddress;
  private final AcceptQueue<P2PConnection> queue = new AcceptQueue<>(BACKLOG);
  private volatile boolean closed;

  TunnelListener(TunnelProvider provider, String localAddr, PeerAddress peerAddress) {
    this.provider = provider;
    this.localAddr = localAddr;
    this.peerAddress = peerAddress;
  }

  /** Offers a new connection; false if closed or the backlog is full. */
  boolean offer(TunnelConnection connection) {
    return queue.offer(connection);
  }

  /** An accept the caller timed out is skipped: the connection goes to the next one. */
  @Override
  public CompletableFuture<P2PConnection> accept() {
    // The queue's own future: a caller's orTimeout on it is what the queue sees and skips.
    return queue.accept();
  }

  boolean isOpen() {
    return !closed;
  }

  @Override
  public String localAddr() {
    return localAddr;
  }

  /** The provider's id and the tunnel server as relay ({@code tunnel://host:port}). */
  @Override
  public PeerAddress peerAddress() {
    return peerAddress;
  }

  @Override
  public void close() {
    closed = true;
    List<P2PConnection> unaccepted =
        queue.close(
            () ->
                new ConnectionClosedException(
                    "the listener is closed; call listen() again to accept"));
    provider.listenerClosed(this, unaccepted);
  }
}
