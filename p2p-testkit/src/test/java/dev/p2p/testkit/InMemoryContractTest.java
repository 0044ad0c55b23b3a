package dev.p2p.testkit;

import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.util.Optional;

/** The kit against a correct in-memory provider: every contract test must pass. */
class InMemoryContractTest extends P2PProviderContract {
  private final InMemoryNetwork network =
      new InMemoryNetwork(Fault.NONE, 1024 * 1024, /* loseUnreliable= */ false);

  @Override
  protected P2PProvider newProvider(String name) {
    return network.newProvider(name);
  }

  @Override
  protected int maxMessageSize() {
    return 1024 * 1024;
  }

  @Override
  protected boolean unreliableMayBeLost() {
    return false;
  }

  /** The window, plus the one message a direction admits when it is empty. */
  @Override
  protected long maxBufferedBytes() {
    return InMemoryNetwork.WINDOW + maxMessageSize();
  }

  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    return Optional.of(PeerAddress.of(network.silentPeer()));
  }
}
