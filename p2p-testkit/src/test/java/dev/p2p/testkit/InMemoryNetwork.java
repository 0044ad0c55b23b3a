package dev.p2p.testkit;

import dev.p2p.api.PeerId;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal in-process network for testing the kit itself: each provider delivers on a thread of
 * its own, so the kit meets real asynchrony; each direction of a connection has a bounded window
 * ({@link InMemoryPipe}). A {@link Fault} plants one bug on purpose.
 */
final class InMemoryNetwork {
  /** Bytes a direction accepts while its receiver takes none (plus one message when empty). */
  static final long WINDOW = 4L << 20;

  static final long LINGER_MILLIS = 5000;
  static final long CONNECT_TIMEOUT_MILLIS = 300;

  final Fault fault;
  final int maxMessageSize;
  final boolean loseUnreliable;
  final long latencyNanos;
  final long window = WINDOW;
  private final Map<PeerId, InMemoryProvider> peers = new ConcurrentHashMap<>();
  private final Set<PeerId> silent = ConcurrentHashMap.newKeySet();

  InMemoryNetwork(Fault fault, int maxMessageSize, boolean loseUnreliable) {
    this(fault, maxMessageSize, loseUnreliable, fault.latencyMillis * 1_000_000L);
  }

  InMemoryNetwork(Fault fault, int maxMessageSize, boolean loseUnreliable, long latencyNanos) {
    this.fault = fault;
    this.maxMessageSize = maxMessageSize;
    this.loseUnreliable = loseUnreliable;
    this.latencyNanos = latencyNanos;
  }

  InMemoryProvider newProvider(String name) {
    InMemoryProvider provider = new InMemoryProvider(this, name, randomId());
    peers.put(provider.localPeerId(), provider);
    return provider;
  }

  /** An id that exists nowhere and never answers: a connect to it can only time out. */
  PeerId silentPeer() {
    PeerId id = randomId();
    silent.add(id);
    return id;
  }

  boolean isSilent(PeerId id) {
    return silent.contains(id);
  }

  InMemoryProvider find(PeerId id) {
    return peers.get(id);
  }

  void remove(InMemoryProvider provider) {
    peers.remove(provider.localPeerId(), provider);
  }

  private static PeerId randomId() {
    byte[] key = new byte[PeerId.KEY_LENGTH];
    ThreadLocalRandom.current().nextBytes(key);
    return PeerId.fromPublicKey(key);
  }
}
