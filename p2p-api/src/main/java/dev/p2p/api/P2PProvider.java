package dev.p2p.api;

import java.util.concurrent.CompletableFuture;

/**
 * A transport endpoint with one identity. Get one from {@link P2P#open()}; close it to release its
 * sockets, threads and connections.
 *
 * <p>All methods are thread-safe. Futures fail with a {@link P2PException} subclass; after {@link
 * #close()} every new operation fails with {@link ConnectionClosedException}. The same condition is
 * the same exception on every provider:
 *
 * <ul>
 *   <li>a connect that runs out of time ({@code P2P_CONNECT_TIMEOUT_MS}): {@link
 *       P2PTimeoutException};
 *   <li>a peer that refuses or cannot be reached: {@link ConnectionFailedException};
 *   <li>an id nobody can find: {@link PeerNotFoundException};
 *   <li>a misuse (listening twice, mixing {@code recv} with {@code messages}): {@link
 *       IllegalStateException}.
 * </ul>
 */
public interface P2PProvider extends AutoCloseable {

  /** The implementation's name, as used in {@code P2P_IMPLEMENTATION}. */
  String name();

  /** This endpoint's identity. */
  PeerId localPeerId();

  /**
   * Starts accepting connections.
   *
   * @param addr where to listen; its form is the provider's (e.g. {@code "127.0.0.1:0"} for QUIC,
   *     any label for the simulator, {@code "host:port"} of the server for the tunnel). A provider
   *     listens on one address at a time: listening again before closing the listener fails with
   *     {@link IllegalStateException}.
   */
  CompletableFuture<P2PListener> listen(String addr);

  /**
   * Connects to a peer the provider can find by id alone (through bootstrap peers, a tunnel server,
   * or the simulated network). Fails with {@link PeerNotFoundException} when it cannot.
   */
  CompletableFuture<P2PConnection> connect(PeerId peer);

  /** Connects to a peer using the addresses given. */
  CompletableFuture<P2PConnection> connect(PeerAddress peer);

  /**
   * Closes every listener and connection of this provider gracefully and returns when their {@link
   * P2PConnection#closeFuture() close futures} are done or the linger ({@code P2P_CLOSE_LINGER_MS},
   * default 5000; 0 resets at once) has passed; then it resets what is left and releases its
   * resources. So try-with-resources around a provider loses nothing in the normal case.
   */
  @Override
  void close();
}
