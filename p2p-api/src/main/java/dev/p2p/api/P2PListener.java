package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/**
 * Accepts incoming connections. Closing it fails pending {@code accept}s. An {@code accept} future
 * the caller timed out or cancelled is skipped: the connection goes to the next {@code accept}.
 */
public interface P2PListener extends AutoCloseable {

  /** The next incoming, authenticated connection. */
  CompletableFuture<P2PConnection> accept();

  /** Where this listener can be reached, in the provider's address form. */
  String localAddr();

  /**
   * How another peer dials this listener: the provider's id and the addresses it can be reached at.
   * {@code toTicket()} of it is what a user copies to the other side.
   */
  PeerAddress peerAddress();

  /** Stops accepting; connections already accepted stay open. */
  @Override
  void close();
}
