package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/**
 * A connection to one authenticated peer, carrying whole messages: one {@code send} of N bytes is
 * one {@code recv} of the same N bytes.
 *
 * <p>Rules every provider follows (the contract test kit checks them):
 *
 * <ul>
 *   <li>Thread-safe. Methods that return a future never throw for a transport error: they return a
 *       failed future ({@code null} arguments still throw {@link NullPointerException}).
 *   <li>Reliable messages arrive in the order they were sent, exactly once. Unreliable messages
 *       have no order among themselves or relative to reliable ones. A provider may limit
 *       unreliable messages to a smaller size (a QUIC datagram must fit one packet) and says so.
 *   <li>Several pending {@code recv}s complete in the order they were called.
 *   <li>{@link #close()} returns at once and closes gracefully: messages accepted by {@code send}
 *       before it are still delivered, then the peer sees the close. The state goes {@code
 *       DISCONNECTING} then {@code CLOSED}. After {@code close()} (local or remote), new sends and
 *       pending {@code recv}s fail with {@link ConnectionClosedException}; messages that had
 *       already arrived can still be received, and only then does {@code recv} fail.
 *   <li>Listener callbacks for one connection come one at a time, in order.
 * </ul>
 */
public interface P2PConnection extends AutoCloseable {

  /** The authenticated identity of the remote peer. */
  PeerId peerId();

  /** True while the state is {@link ConnectionState#CONNECTED}. */
  default boolean isConnected() {
    return state() == ConnectionState.CONNECTED;
  }

  /** Sends a reliable, ordered message. Same as {@code send(message, Delivery.RELIABLE)}. */
  default CompletableFuture<Void> send(byte[] message) {
    return send(message, Delivery.RELIABLE);
  }

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
