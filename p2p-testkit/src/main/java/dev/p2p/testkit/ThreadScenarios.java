package dev.p2p.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerNotFoundException;
import java.util.List;
import org.opentest4j.AssertionFailedError;

/** A closed provider leaves no thread of its own behind. */
final class ThreadScenarios {
  private static final long POLL_MILLIS = 20;

  private final Kit kit;

  ThreadScenarios(Kit kit) {
    this.kit = kit;
  }

  void noThreadLeftAfterProvidersClose() throws InterruptedException {
    assumeTrue(
        kit.hooks().ownsThreads(),
        "ownsThreads() is false: the provider runs no threads of its own");
    ThreadSnapshot before = ThreadSnapshot.take();
    P2PProvider alice = kit.provider("alice");
    P2PProvider bob = kit.provider("bob");
    ConnectedPair pair = kit.connect(alice, bob);
    new ReliableScenarios(kit).sentinelsArrive(pair);
    P2PProvider carol = kit.provider("carol");
    kit.expectFailure(
        "connect to a peer that does not listen",
        () -> alice.connect(kit.hooks().nonListeningAddress(carol)),
        PeerNotFoundException.class,
        ConnectionFailedException.class);
    alice.close();
    bob.close();
    carol.close();

    // Real threads end on their own schedule after close(); polling is the only way to see it.
    long deadline = System.nanoTime() + kit.hooks().threadGracePeriod().toNanos();
    List<Thread> left = before.newThreads(kit.hooks()::isSharedThread);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(POLL_MILLIS);
      left = before.newThreads(kit.hooks()::isSharedThread);
    }
    if (!left.isEmpty()) {
      throw new AssertionFailedError(
          left.size()
              + " thread(s) started while the providers ran are still alive "
              + kit.hooks().threadGracePeriod()
              + " after close():"
              + ThreadSnapshot.describe(left));
    }
  }
}
