package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.p2p.api.P2PException;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Each contract test can fail: with one bug planted in the in-memory provider, the contract test
 * named by the {@link Fault} fails with an assertion or a typed P2P error (not a bug in the kit).
 */
class ContractCatchesFaultsTest {

  @ParameterizedTest
  @EnumSource(value = Fault.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void contractTestFailsWhenFaultIsPlanted(Fault fault) {
    FaultyContract.planted = fault;
    try {
      List<Event> finished =
          EngineTestKit.engine("junit-jupiter")
              .selectors(selectMethod(FaultyContract.class, fault.caughtBy))
              .execute()
              .testEvents()
              .finished()
              .list();
      assertEquals(1, finished.size(), fault + ": runs of " + fault.caughtBy);
      TestExecutionResult result = finished.get(0).getRequiredPayload(TestExecutionResult.class);
      assertEquals(
          TestExecutionResult.Status.FAILED,
          result.getStatus(),
          fault + " was not caught by " + fault.caughtBy);
      Throwable cause = result.getThrowable().orElseThrow();
      assertTrue(
          cause instanceof AssertionError || cause instanceof P2PException,
          fault + ": " + fault.caughtBy + " failed for the wrong reason: " + cause);
    } finally {
      FaultyContract.planted = Fault.NONE;
    }
  }

  /** The contract against the in-memory provider with {@link #planted} in it. */
  static class FaultyContract extends P2PProviderContract {
    static volatile Fault planted = Fault.NONE;

    private final InMemoryNetwork network =
        new InMemoryNetwork(planted, 1024 * 1024, /* loseUnreliable= */ true);

    @Override
    protected P2PProvider newProvider(String name) {
      return network.newProvider(name);
    }

    @Override
    protected int maxMessageSize() {
      return 1024 * 1024;
    }

    @Override
    protected long maxBufferedBytes() {
      return InMemoryNetwork.WINDOW + maxMessageSize();
    }

    @Override
    protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
      return Optional.of(PeerAddress.of(network.silentPeer()));
    }

    // Planted hangs must fail fast.
    @Override
    protected Duration timeout() {
      return Duration.ofSeconds(2);
    }

    @Override
    protected Duration threadGracePeriod() {
      return Duration.ofSeconds(1);
    }
  }
}
