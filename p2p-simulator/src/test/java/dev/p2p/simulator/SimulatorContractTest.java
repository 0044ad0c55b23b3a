package dev.p2p.simulator;

import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.testkit.P2PProviderContract;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;

/** The whole contract, on a deterministic network with lossy, jittery links. */
class SimulatorContractTest extends P2PProviderContract {
  private static final Duration LATENCY = Duration.ofMillis(5);
  private SimNetwork network;
  private int peers;

  @BeforeEach
  void network() {
    network =
        SimNetwork.builder()
            .seed(Long.getLong("p2p.sim.seed", 7))
            .defaultLink(
                LinkConditions.defaults()
                    .withLatency(LATENCY)
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

  /** Virtual time: the pause passes on the network's clock while {@link #await} drives it. */
  @Override
  protected CompletableFuture<Void> delay(Duration duration) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    network.schedule(duration, () -> done.complete(null));
    return done;
  }

  /** Propagation both ways; jitter (up to 2 ms each way) and loss are what the bound allows for. */
  @Override
  protected Duration linkRtt() {
    return LATENCY.multipliedBy(2);
  }

  /** A listening peer cut off from the dialler: SYNs vanish, nothing refuses. */
  @Override
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    P2PProvider silent = newProvider("silent");
    network.await(silent.listen("silent"));
    network.partition(dialler, silent);
    return Optional.of(PeerAddress.of(silent.localPeerId()));
  }

  @Override
  protected boolean ownsThreads() {
    return false;
  }
}
