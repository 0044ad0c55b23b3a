package dev.p2p.testkit;

import dev.p2p.api.PeerId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal in-process network for testing the kit itself: each provider delivers on a thread of
 * its own, so the kit meets real asynchrony. A {@link Fault} plants one bug on purpose.
 */
final class InMemoryNetwork {
  final Fault fault;
  final int maxMessageSize;
  final boolean loseUnreliable;
  private final Map<PeerId, InMemoryProvider> peers = new ConcurrentHashMap<>();

  InMemoryNetwork(Fault fault, int maxMessageSize, boolean loseUnreliable) {
    this.fault = fault;
    this.maxMessageSize = maxMessageSize;
    this.loseUnreliable = loseUnreliable;
  }

  InMemoryProvider newProvider(String name) {
    byte[] key = new byte[PeerId.KEY_LENGTH];
    ThreadLocalRandom.current().nextBytes(key);
    InMemoryProvider provider = new InMemoryProvider(this, name, PeerId.fromPublicKey(key));
    peers.put(provider.localPeerId(), provider);
    return provider;
  }

  InMemoryProvider find(PeerId id) {
    return peers.get(id);
  }

  void remove(InMemoryProvider provider) {
    peers.remove(provider.localPeerId(), provider);
  }
}
