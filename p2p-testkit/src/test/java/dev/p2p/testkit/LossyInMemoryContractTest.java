package dev.p2p.testkit;

import dev.p2p.api.P2PProvider;

/**
 * The kit against an in-memory provider that loses and duplicates UNRELIABLE messages and uses the
 * default 16 MiB limit: every contract test must still pass.
 */
class LossyInMemoryContractTest extends P2PProviderContract {
  private final InMemoryNetwork network =
      new InMemoryNetwork(Fault.NONE, maxMessageSize(), /* loseUnreliable= */ true);

  @Override
  protected P2PProvider newProvider(String name) {
    return network.newProvider(name);
  }
}
