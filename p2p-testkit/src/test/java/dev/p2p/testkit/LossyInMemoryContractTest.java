package dev.p2p.testkit;

import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * The kit against an in-memory provider that loses and duplicates UNRELIABLE messages, has 1 ms of
 * latency each way and uses the default 16 MiB limit and buffer bound: every contract test must
 * still pass.
 */
class LossyInMemoryContractTest extends P2PProviderContract {
  private static final Duration LATENCY = Duration.ofMillis(1);

  private final InMemoryNetwork network =
      new InMemoryNetwork(
          Fault.NONE, maxMessageSize(), /* loseUnreliable= */ true, LATENCY.toNanos());

  @Override
  protected P2PProvider newProvider(String name) {
    return network.newProvider(name);
  }

  @Override
  protected Duration linkRtt() {
    return LATENCY.multipliedBy(2);
  }

  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    return Optional.of(PeerAddress.of(network.silentPeer()));
  }
}
