package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/** Accepts incoming connections. Closing it fails pending {@code accept}s. */
public interface P2PListener extends AutoCloseable {

  /** The next incoming, authenticated connection. */
  CompletableFuture<P2PConnection> accept();

  /** Where this listener can be reached, in the provider's address form. */
  String localAddr();

  /** Stops accepting; connections already accepted stay open. */
  @Override
  void close();
}
