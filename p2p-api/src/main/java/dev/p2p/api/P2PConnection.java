package dev.p2p.api;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A connection to one authenticated peer, carrying whole messages: one {@code send} of N bytes is
 * one received message of the same N bytes.
 *
 * <p>Rules every provider follows (the contract test kit checks them):
 *
 * <ul>
 *   <li>Thread-safe. Methods that return a future never throw for a transport error: they return a
 *       failed future ({@code null} arguments still throw {@link NullPointerException}).
 *   <li>Reliable messages arrive in the order they were sent, exactly once. Unreliable messages
 *       have no order among themselves or relative to reliable ones. A provider may limit
 *       unreliable messages to a smaller size (a QUIC datagram must fit one packet) and says so.
 *   <li>A connection has one consumer: either {@link #recv()} calls or one {@link #messages()}
 *       subscriber. Several pending {@code recv}s complete in the order they were called. A {@code
 *       recv} future the caller completed, cancelled or timed out ({@code orTimeout}) is skipped:
 *       the message goes to the next reader, never lost.
 *   <li>{@link #close()} returns at once and closes gracefully: messages accepted by {@code send}
 *       before it are still delivered, then the peer sees the close; {@link #closeFuture()} says
 *       when that has happened. The state goes {@code DISCONNECTING} then {@code CLOSED}. After
 *       {@code close()} (local or remote), new sends and pending {@code recv}s fail with {@link
 *       ConnectionClosedException}; messages that had already arrived can still be received, and
 *       only then does {@code recv} fail.
 *   <li>A peer that vanishes is noticed within the idle timeout ({@code P2P_IDLE_TIMEOUT_MS}); the
 *       close reason says so.
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
   * buffers), not when the peer has read it: a receiver that stops reading makes these futures
   * wait. The array must not be modified until then. Fails with {@link MessageTooLargeException}
   * when the message exceeds the limit; the connection stays usable. To know that everything sent
   * arrived, {@link #close()} and wait for {@link #closeFuture()}.
   */
  CompletableFuture<Void> send(byte[] message, Delivery delivery);

  /**
   * The next message from the peer, in order for reliable messages. Fails with {@link
   * IllegalStateException} while {@link #messages()} has a subscriber (one consumer per
   * connection).
   */
  CompletableFuture<byte[]> recv();

  /**
   * Push delivery with back-pressure ({@link java.util.concurrent.Flow}). One subscriber per
   * connection. {@code onNext} never runs ahead of {@code request(n)} and calls are serialised;
   * reliable messages come in order, exactly once. {@code onComplete} follows a graceful close by
   * the peer (after every message it sent); {@code onError} carries the {@link P2PException} of any
   * other end, including a local {@code close()}. A subscriber that stops requesting stops the
   * sender: its {@code send} futures wait and memory stays bounded on both sides. Cancelling the
   * subscription closes the connection.
   *
   * <p>A second subscriber, or a subscriber while {@code recv()} futures are pending, gets {@code
   * onError(IllegalStateException)}. Messages that arrived before the subscription are delivered to
   * it first. On the simulator, callbacks run on the thread that drives the simulation.
   */
  Flow.Publisher<byte[]> messages();

  /**
   * Completes normally once the connection is closed and every reliable message accepted by {@code
   * send} before {@link #close()} was acknowledged by the peer's transport. Completes exceptionally
   * with {@link ConnectionClosedException}, whose message says why and how many messages or bytes
   * were not acknowledged, when the connection ended any other way: the peer vanished, an idle
   * timeout, a reset, a provider closed past its linger.
   */
  CompletableFuture<Void> closeFuture();

  /** The current state. */
  ConnectionState state();

  /** The path the traffic takes now: its type, and the remote address or relay where known. */
  Path path();

  /** What the connection has measured so far. */
  ConnectionStats stats();

  /** Registers a listener for state and path changes from now on. */
  void addListener(ConnectionListener listener);

  /**
   * Closes the connection gracefully and returns at once; {@link #closeFuture()} completes when the
   * peer has everything. The peer sees {@link ConnectionClosedException} on its pending calls
   * (after the messages sent before the close).
   */
  @Override
  void close();
}
