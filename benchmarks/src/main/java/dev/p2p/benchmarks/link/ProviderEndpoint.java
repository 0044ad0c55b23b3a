package dev.p2p.benchmarks.link;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** A provider's connection (QUIC or the tunnel) as a {@link LinkEndpoint}. */
final class ProviderEndpoint implements LinkEndpoint {
  private final P2PProvider provider;
  private final P2PConnection connection;

  ProviderEndpoint(P2PProvider provider, P2PConnection connection) {
    this.provider = provider;
    this.connection = connection;
  }

  @Override
  public void send(byte[] message) throws Exception {
    CompletableFuture<Void> accepted = connection.send(message);
    if (!accepted.isDone()) {
      accepted.get(LinkPeer.WAIT_SECONDS, TimeUnit.SECONDS);
    }
  }

  @Override
  public byte[] recv() throws Exception {
    try {
      return connection.recv().get(LinkPeer.WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConnectionClosedException) {
        return null;
      }
      throw e;
    }
  }

  String stats() {
    return connection.stats().toString();
  }

  @Override
  public void close() throws Exception {
    try {
      connection.close();
      connection.closeFuture().get(LinkPeer.WAIT_SECONDS, TimeUnit.SECONDS);
    } finally {
      provider.close();
    }
  }
}
