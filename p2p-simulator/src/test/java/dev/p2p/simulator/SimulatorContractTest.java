package dev.p2p.simulator;

import dev.p2p.api.P2PProvider;
import dev.p2p.testkit.P2PProviderContract;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;

/** The whole contract, on a deterministic network with lossy, jittery links. */
class SimulatorContractTest extends P2PProviderContract {
  private SimNetwork network;
  private int peers;

  @BeforeEach
  void network() {
    network =
        SimNetwork.builder()
            .seed(Long.getLong("p2p.sim.seed", 7))
            .defaultLink(
                LinkConditions.defaults()
                    .withLatency(Duration.ofMillis(5))
                    .withJitter(Duration.ofMillis(2))
                    .withLoss(0.02))
            .failureRate(0)
            .build();
  }

  @Override
  protected P2PProvider newProvider(String name) {
    // The kit may reuse a name within one test; a simulated name is an identity, so keep it unique.
    return network.newPeer(name + "-" + ++peers);
  }

  @Override
  protected <T> T await(CompletableFuture<T> future) {
    return network.await(future, Duration.ofMinutes(10));
  }

  @Override
  protected boolean ownsThreads() {
    return false;
  }
}
