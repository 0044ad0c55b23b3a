package dev.p2p.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.opentest4j.AssertionFailedError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The contract every {@link P2PProvider} must pass, in the manner of grpc-java's {@code
 * AbstractTransportTest}. A provider's test subclasses it, implements {@link #newProvider(String)}
 * and overrides the hooks where its addressing, limits, clock or threads differ from the defaults.
 *
 * <p>The kit waits only through {@link #await(CompletableFuture)}, so a virtual-time provider can
 * advance its clock there; no thread other than the test thread ever blocks on a future. Everything
 * a test creates is closed after it, even when it fails. Randomised tests print a seed on failure;
 * {@code -Dp2p.testkit.seed=N} replays it (see the module's README).
 */
@ExtendWith(SeedReporter.class)
public abstract class P2PProviderContract {
  private static final Logger LOG = LoggerFactory.getLogger(P2PProviderContract.class);

  private Kit kit;

  // ---------------------------------------------------------------------------------------------
  // Hooks

  /**
   * A new provider that can reach every other provider made by this test instance. The kit closes
   * it. Names are distinct within one test ("alice", "bob", "alice-2", ...).
   */
  protected abstract P2PProvider newProvider(String name);

  /** The address to pass to listen() for this provider. Default {@code ""}. */
  protected String listenAddress(P2PProvider provider) {
    return "";
  }

  /** How another provider dials this listening one. Default {@code listener.peerAddress()}. */
  protected PeerAddress dialAddress(P2PProvider provider, P2PListener listener) {
    return listener.peerAddress();
  }

  /**
   * An address for a peer that exists but does not listen. Default {@code
   * PeerAddress.of(provider.localPeerId())}.
   */
  protected PeerAddress nonListeningAddress(P2PProvider provider) {
    return PeerAddress.of(provider.localPeerId());
  }

  /**
   * Waits for a future. Default: get with {@link #timeout()}, unwrapping the cause (so a failed
   * future throws its {@code P2PException} itself); a timeout is an {@link AssertionError}. The
   * simulator drives virtual time here.
   */
  protected <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      throw rethrow(e.getCause() != null ? e.getCause() : e);
    } catch (CancellationException e) {
      throw new AssertionFailedError("the awaited future was cancelled", e);
    } catch (TimeoutException e) {
      throw new AssertionFailedError("no result within " + timeout() + " (the timeout() hook)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionFailedError("interrupted while waiting", e);
    }
  }

  /** Upper bound for any single wait. Default 30 s. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** The provider's max message size. Default {@link P2PConfig#DEFAULT_MAX_MESSAGE_SIZE}. */
  protected int maxMessageSize() {
    return P2PConfig.DEFAULT_MAX_MESSAGE_SIZE;
  }

  /**
   * True if UNRELIABLE messages can be lost/duplicated/reordered by this provider. Default true.
   */
  protected boolean unreliableMayBeLost() {
    return true;
  }

  /** True if the provider runs threads of its own that must all end after close (default true). */
  protected boolean ownsThreads() {
    return true;
  }

  /**
   * The largest UNRELIABLE message the kit sends; the provider must accept every size up to it.
   * Default 1000 bytes, which fits one QUIC datagram on any path. Never above {@link
   * #maxMessageSize()}.
   */
  protected int unreliableMessageSize() {
    return 1000;
  }

  /**
   * True if {@code connect(PeerId)} reaches a listening peer made by this test (through discovery,
   * a tunnel server or a simulated network). Default true; a provider that can only dial addresses
   * returns false and {@link #connectByPeerIdReachesListeningPeer()} is skipped. Unknown ids must
   * fail either way.
   */
  protected boolean connectsByPeerId() {
    return true;
  }

  /**
   * True for a thread the leak check ignores because the JVM or a shared library owns it, not the
   * provider. Default: {@code ForkJoinPool.commonPool()} workers (which outlive any one user) and
   * threads of the JVM's own "system" thread group. Override to add, e.g., a library's global
   * cleaner thread, and say why.
   */
  protected boolean isSharedThread(Thread thread) {
    if (thread instanceof ForkJoinWorkerThread worker
        && worker.getPool() == java.util.concurrent.ForkJoinPool.commonPool()) {
      return true;
    }
    ThreadGroup group = thread.getThreadGroup();
    return group != null && "system".equals(group.getName());
  }

  /** How long threads may take to end after the providers closed. Default 10 s. */
  protected Duration threadGracePeriod() {
    return Duration.ofSeconds(10);
  }

  /**
   * A future that completes once {@code duration} of the provider's time has passed. The kit awaits
   * it only to give a provider the time to do what it must not (run ahead of back-pressure,
   * complete a close future early); it never waits for a result this way. Default: the wall clock.
   * A virtual-time provider completes it from its own clock, e.g. the simulator: {@code
   * network.schedule(duration, () -> future.complete(null))}.
   */
  protected CompletableFuture<Void> delay(Duration duration) {
    CompletableFuture<Void> future = new CompletableFuture<>();
    CompletableFuture.delayedExecutor(duration.toNanos(), TimeUnit.NANOSECONDS)
        .execute(() -> future.complete(null));
    return future;
  }

  /**
   * The most payload bytes of reliable messages one connection may accept from {@code send} (their
   * futures completed) while the receiving application takes none: the sender's buffers, what is in
   * flight and the receiver's inbox together. The back-pressure and close-future tests send this
   * plus {@value CloseFutureScenarios#BEYOND_BUFFERS_MIB} MiB. Default 64 MiB.
   */
  protected long maxBufferedBytes() {
    return 64L << 20;
  }

  /**
   * The round-trip time of the link between two providers of this test as the network has it
   * (propagation only: no queueing, no waiting for retransmissions). After traffic, {@code
   * stats().rtt()} must be above zero and within {@code [linkRtt / 2, 2 * linkRtt + 50 ms]}.
   * Default {@link Duration#ZERO}: loopback. The simulator returns twice its link latency.
   */
  protected Duration linkRtt() {
    return Duration.ZERO;
  }

  /**
   * The least fraction of UNRELIABLE messages that must arrive when {@link #unreliableMayBeLost()}
   * is true (a link that is not lossy by design still delivers most datagrams). Default 0.5.
   */
  protected double unreliableDeliveryFloor() {
    return 0.5;
  }

  /**
   * An address {@code dialler} can dial where nothing answers and nothing refuses, so a connect can
   * only run out of time (a UDP port that swallows every packet, a simulated peer behind a
   * partition). Default empty: {@link #connectThatTimesOutFailsWithP2PTimeoutException()} is
   * skipped.
   */
  protected Optional<PeerAddress> unresponsiveAddress(P2PProvider dialler) {
    return Optional.empty();
  }

  /**
   * The seed of the running test's randomness. A provider may seed its own randomness (simulated
   * loss, ports) from it so that {@code -Dp2p.testkit.seed} replays the whole run.
   */
  protected final long seed() {
    if (kit == null) {
      throw new IllegalStateException("seed() is only available while a contract test runs");
    }
    return kit.seed();
  }

  final boolean hasSeed() {
    return kit != null;
  }

  // ---------------------------------------------------------------------------------------------
  // Life cycle

  @BeforeEach
  public final void createKit(TestInfo test) {
    kit = new Kit(this, TestSeed.next());
    LOG.debug("{} uses seed {}", test.getDisplayName(), kit.seed());
  }

  @AfterEach
  public final void closeEverything() throws Exception {
    if (kit != null) { // null only if createKit failed, e.g. on a malformed replay seed
      kit.closeAll();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting

  /**
   * A dials B and B dials A; each side's peerId() is the other's id and a message crosses each
   * connection both ways.
   */
  @Test
  public final void connectAndAcceptBothWays() {
    new ConnectScenarios(kit).connectAndAcceptBothWays();
  }

  /**
   * connect(PeerId) alone reaches a listening peer (skipped unless {@link #connectsByPeerId()}).
   */
  @Test
  public final void connectByPeerIdReachesListeningPeer() {
    assumeTrue(connectsByPeerId(), "connectsByPeerId() is false for this provider");
    new ConnectScenarios(kit).connectByPeerIdReachesListeningPeer();
  }

  /**
   * The listener's {@code peerAddress()} names its provider, its ticket round-trips, and dialling
   * the parsed ticket reaches the listener.
   */
  @Test
  public final void listenerTicketDials() {
    new ConnectScenarios(kit).listenerTicketDials();
  }

  /**
   * Dialling {@link #nonListeningAddress} fails with ConnectionFailedException (refused),
   * PeerNotFoundException (a provider that only knows listening peers) or P2PTimeoutException
   * (nothing answers) within {@link #timeout()}, and the provider still dials afterwards.
   */
  @Test
  public final void connectToNonListeningPeerFails() {
    new ConnectScenarios(kit).connectToNonListeningPeerFails();
  }

  /**
   * connect(PeerId) and connect(PeerAddress.of(id)) to a random unknown id fail with
   * PeerNotFoundException (one exception per condition), within {@link #timeout()}.
   */
  @Test
  public final void connectToUnknownPeerIdFails() {
    new ConnectScenarios(kit).connectToUnknownPeerIdFails();
  }

  /**
   * Dialling {@link #unresponsiveAddress} fails with P2PTimeoutException within {@link #timeout()}
   * (skipped when the hook gives no address), and the provider still dials afterwards.
   */
  @Test
  public final void connectThatTimesOutFailsWithP2PTimeoutException() {
    new ConnectScenarios(kit).connectThatTimesOutFailsWithP2PTimeoutException();
  }

  /**
   * listen() while a listener is open fails with IllegalStateException (thrown or through the
   * future); the first listener keeps accepting; after closing it, listen() works again.
   */
  @Test
  public final void listeningTwiceFailsWithIllegalStateException() {
    new ConnectScenarios(kit).listeningTwiceFailsWithIllegalStateException();
  }

  // ---------------------------------------------------------------------------------------------
  // Operations the caller timed out

  /**
   * recv() futures the caller failed (completeExceptionally with a TimeoutException, which is what
   * {@code orTimeout} does) or cancelled are skipped: the next message goes to the next recv(),
   * also when it races the caller's timeout, and every later message arrives once, in order.
   */
  @Test
  public final void recvTimedOutByCallerDoesNotSwallowNextMessage() {
    new CallerTimeoutScenarios(kit).recvTimedOutByCallerDoesNotSwallowNextMessage();
  }

  /**
   * accept() futures the caller timed out or cancelled are skipped: the next incoming connection
   * reaches the next accept(), whether it was pending or called after the connection arrived.
   */
  @Test
  public final void acceptTimedOutByCallerDoesNotSwallowNextConnection() {
    new CallerTimeoutScenarios(kit).acceptTimedOutByCallerDoesNotSwallowNextConnection();
  }

  // ---------------------------------------------------------------------------------------------
  // Reliable messages

  /**
   * 2,000 messages one way (sizes 0 B to max, including 0, 1, max - 1 and exactly max) and 1,000
   * back, at the same time: each side receives exactly what the other sent, in order, once.
   */
  @Test
  public final void reliableMessagesArriveInOrderExactlyOnce() {
    new ReliableScenarios(kit).reliableMessagesArriveInOrderExactlyOnce();
  }

  /**
   * A message of exactly max arrives; max + 1 fails with MessageTooLargeException (size and limit
   * reported) for both deliveries and both sides, and the connection stays usable.
   */
  @Test
  public final void maxSizeLimitIsEnforced() {
    new ReliableScenarios(kit).maxSizeLimitIsEnforced();
  }

  /**
   * Four threads send 300 messages each on one connection: every message arrives once, each
   * thread's in its order, and a message sent after all of them arrives last.
   */
  @Test
  public final void concurrentSendersKeepPerThreadOrder() {
    new ReliableScenarios(kit).concurrentSendersKeepPerThreadOrder();
  }

  /** Property: any mix of sizes and interleaving of the two directions arrives in order, once. */
  @Test
  public final void anyInterleavingOfTwoDirectionsIsDeliveredInOrder() {
    new PropertyScenarios(kit).anyInterleavingOfTwoDirectionsIsDeliveredInOrder();
  }

  /** Property: sizes of 2^k +- 2 bytes (0..128 KiB) cross intact in both directions. */
  @Test
  public final void sizesAroundPowersOfTwoSurviveBothWays() {
    new PropertyScenarios(kit).sizesAroundPowersOfTwoSurviveBothWays();
  }

  // ---------------------------------------------------------------------------------------------
  // Unreliable messages

  /**
   * 200 UNRELIABLE messages interleaved with 200 reliable ones: reliable ones all arrive in order;
   * every UNRELIABLE one received equals one sent; at least {@link #unreliableDeliveryFloor()} of
   * them arrive before a reliable fence sent 500 ms of provider time after the last send (datagrams
   * have no order relative to reliable messages, so they are not required to beat them; a provider
   * that drops every datagram fails); and if {@link #unreliableMayBeLost()} is false, all arrive in
   * order, once.
   */
  @Test
  public final void unreliableMessagesAreNeverInventedOrCorrupted() {
    new UnreliableScenarios(kit).unreliableMessagesAreNeverInventedOrCorrupted();
  }

  // ---------------------------------------------------------------------------------------------
  // Closing

  /** A recv pending when the peer closes fails with ConnectionClosedException. */
  @Test
  public final void pendingRecvFailsWhenPeerCloses() {
    new CloseScenarios(kit).pendingRecvFailsWhenPeerCloses();
  }

  /**
   * Messages sent before close() reach the peer, stay receivable after its side is CLOSED, and then
   * recv fails with ConnectionClosedException.
   */
  @Test
  public final void messagesSentBeforeCloseAreDelivered() {
    new CloseScenarios(kit).messagesSentBeforeCloseAreDelivered();
  }

  /**
   * After a local close(): pending and new recv, and new sends, fail with ConnectionClosedException
   * on this side; the peer's pending recv fails too; close() twice is harmless.
   */
  @Test
  public final void sendAndRecvFailAfterLocalClose() {
    new CloseScenarios(kit).sendAndRecvFailAfterLocalClose();
  }

  /**
   * Closing a listener fails its pending and new accepts with ConnectionClosedException; dialling
   * it fails; connections it accepted before stay open.
   */
  @Test
  public final void closingListenerFailsAcceptAndRefusesConnects() {
    new CloseScenarios(kit).closingListenerFailsAcceptAndRefusesConnects();
  }

  /**
   * Closing a provider closes its connections (the peer's pending recv fails, both sides end
   * CLOSED), fails its pending accept, and makes listen/connect fail with
   * ConnectionClosedException.
   */
  @Test
  public final void closingProviderClosesItsConnectionsAndOperations() {
    new CloseScenarios(kit).closingProviderClosesItsConnectionsAndOperations();
  }

  /**
   * Bob reads nothing while alice sends {@link #maxBufferedBytes()} + 4 MiB and closes: her
   * closeFuture is not done (right after close() and after 2 s of provider time), since that much
   * cannot all be buffered. Once bob reads, he gets every message in order, then
   * ConnectionClosedException; alice's sends and closeFuture complete normally.
   */
  @Test
  public final void closeFutureCompletesOnceThePeerHasEverything() {
    new CloseFutureScenarios(kit).closeFutureCompletesOnceThePeerHasEverything();
  }

  /**
   * The peer vanishes mid-transfer: bob reads nothing, alice sends {@link #maxBufferedBytes()} + 4
   * MiB and closes, then bob's provider is closed, taking the messages bob never read with it.
   * Alice's closeFuture fails with ConnectionClosedException (with a message), and every send
   * future settles: completed, or failed with ConnectionClosedException.
   */
  @Test
  public final void closeFutureFailsWhenThePeerVanishesMidTransfer() {
    new CloseFutureScenarios(kit).closeFutureFailsWhenThePeerVanishesMidTransfer();
  }

  /**
   * 1,000 sends, all futures completed, then connection close() then P2PProvider.close() at once:
   * when close() returns, the connection's closeFuture has completed normally (what a program that
   * exits then has not lost); the receiver gets all 1,000 in order, then ConnectionClosedException.
   */
  @Test
  public final void providerCloseRightAfterABurstDeliversEverything() {
    new CloseFutureScenarios(kit).providerCloseRightAfterABurstDeliversEverything();
  }

  // ---------------------------------------------------------------------------------------------
  // Push delivery: messages()

  /**
   * A subscriber gets 2,000 messages (0 B to max) in order, exactly once, never more than it
   * requested (request(5) gives 5 and no more, even after 300 ms of provider time), one call at a
   * time; messages that arrived before it subscribed come first; stats count pushed messages.
   */
  @Test
  public final void messagesArriveInOrderExactlyOnceWithinDemand() {
    new PushScenarios(kit).messagesArriveInOrderExactlyOnceWithinDemand();
  }

  /**
   * A subscriber that requests nothing holds the sender: of {@link #maxBufferedBytes()} + 4 MiB
   * sent, at most {@link #maxBufferedBytes()} are accepted within 2 s of provider time, and none is
   * pushed. Once it requests, everything arrives in order and every send completes.
   */
  @Test
  public final void messagesBackPressureStopsTheSenderAndResumes() {
    new PushScenarios(kit).messagesBackPressureStopsTheSenderAndResumes();
  }

  /** After the peer's graceful close, the subscriber gets every message, then onComplete. */
  @Test
  public final void messagesCompleteAfterGracefulPeerClose() {
    new PushScenarios(kit).messagesCompleteAfterGracefulPeerClose();
  }

  /**
   * A local close() ends the subscription with onError(P2PException); cancelling the subscription
   * closes the connection (the peer's pending recv fails, both sides reach CLOSED).
   */
  @Test
  public final void messagesEndWithErrorOnLocalCloseOrCancel() {
    new PushScenarios(kit).messagesEndWithErrorOnLocalCloseOrCancel();
  }

  /**
   * One consumer: recv() while subscribed fails with IllegalStateException; a second subscriber, or
   * a subscriber while a recv() is pending, gets onError(IllegalStateException); the first consumer
   * keeps working.
   */
  @Test
  public final void messagesHasOneConsumer() {
    new PushScenarios(kit).messagesHasOneConsumer();
  }

  /**
   * request(0) ends the subscription with onError(IllegalArgumentException) (Reactive Streams 3.9).
   */
  @Test
  public final void messagesRejectsRequestOfZero() {
    new PushScenarios(kit).messagesRejectsRequestOfZero();
  }

  // ---------------------------------------------------------------------------------------------
  // What connections report

  /**
   * Listeners see an unbroken chain of state events (each previous is the last current) ending in
   * CLOSED on both sides, whichever side closes; nothing follows CLOSED; isConnected() is false.
   */
  @Test
  public final void stateChangesReachListenersAndEndClosed() {
    new StateScenarios(kit).stateChangesReachListenersAndEndClosed();
  }

  /**
   * Message and byte counters on both sides equal the payload the test sent (a refused message
   * counts nothing); rtt is non-negative, packetLoss within 0..1, path set.
   */
  @Test
  public final void statsAgreeWithTraffic() {
    new StateScenarios(kit).statsAgreeWithTraffic();
  }

  /**
   * After a bulk exchange both ways (2 MiB each) and 32 small round trips, each side's
   * stats().rtt() is above zero and within {@code [linkRtt / 2, 2 * linkRtt + 50 ms]} of {@link
   * #linkRtt()}: waiting for retransmissions must not inflate it, and the queueing a burst built
   * (which a standard smoothed estimator does count) must wash out once the link is idle.
   */
  @Test
  public final void statsRttStaysNearTheLinkRtt() {
    new StateScenarios(kit).statsRttStaysNearTheLinkRtt();
  }

  // ---------------------------------------------------------------------------------------------
  // Resources

  /**
   * After its providers close, no thread they started is still alive once {@link
   * #threadGracePeriod()} has passed (skipped unless {@link #ownsThreads()}).
   */
  @Test
  public final void noThreadLeftAfterProvidersClose() throws InterruptedException {
    new ThreadScenarios(kit).noThreadLeftAfterProvidersClose();
  }

  private static RuntimeException rethrow(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof RuntimeException r) {
      throw r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new CompletionException(t);
  }
}
