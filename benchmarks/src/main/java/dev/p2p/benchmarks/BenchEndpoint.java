package dev.p2p.benchmarks;

import java.util.concurrent.CompletableFuture;

/**
 * One end of a benchmarked connection, shaped like {@link dev.p2p.api.P2PConnection} so that a
 * provider's connection and the reference forwarder's raw socket are measured the same way.
 */
interface BenchEndpoint extends AutoCloseable {
  /** Completes when the message is accepted within bounded buffers. */
  CompletableFuture<Void> send(byte[] message);

  /** The next message, in order. */
  CompletableFuture<byte[]> recv();

  @Override
  void close();
}
