package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/** Accepts incoming connections. Closing it fails pending {@code accept}s. */
public interface P2PListener extends AutoCloseable {

  /** The next incoming, authenticated connection. */
  CompletableFuture<P2PConnection> accept();

  /** Where this listener can be reached, in the provider's address form. */
  String localAddr();

  /**
   * How another peer dials this listener: the provider's id and the addresses it can be reached at.
   * {@code toTicket()} of it is what a user copies to the other side.
   *
   * @throws UnsupportedOperationException if the provider predates this method
   */
  default PeerAddress peerAddress() {
    throw new UnsupportedOperationException(
        getClass().getName() + " does not describe its address; dial by PeerId instead");
  }

  /** Stops accepting; connections already accepted stay open. */
  @Override
  void close();
}
