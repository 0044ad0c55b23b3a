package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/**
 * A connection to one authenticated peer, carrying whole messages: one {@code send} of N bytes is
 * one {@code recv} of the same N bytes.
 *
 * <p>Thread-safe. After the connection closes, pending and new {@code recv}s and {@code send}s fail
 * with {@link ConnectionClosedException}; messages that had already arrived can still be received.
 */
public interface P2PConnection extends AutoCloseable {

  /** The authenticated identity of the remote peer. */
  PeerId peerId();

  /** True while the state is {@link ConnectionState#CONNECTED}. */
  boolean isConnected();

  /** Sends a reliable, ordered message. Same as {@code send(message, Delivery.RELIABLE)}. */
  CompletableFuture<Void> send(byte[] message);

  /**
   * Sends a message. The future completes when the message is accepted for delivery (within bounded
   * buffers), not when the peer has read it. The array must not be modified until then. Fails with
   * {@link MessageTooLargeException} when the message exceeds the limit; the connection stays
   * usable.
   */
  CompletableFuture<Void> send(byte[] message, Delivery delivery);

  /** The next message from the peer, in order for reliable messages. */
  CompletableFuture<byte[]> recv();

  /** The current state. */
  ConnectionState state();

  /** What the connection has measured so far. */
  ConnectionStats stats();

  /** Registers a listener for state and path changes from now on. */
  void addListener(ConnectionListener listener);

  /**
   * Closes the connection; the peer sees {@link ConnectionClosedException} on its pending calls.
   */
  @Override
  void close();
}
