package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link P2PProvider} must pass. A provider's test subclasses it and implements
 * {@link #newProvider(String)}; the other hooks have defaults a provider overrides where its
 * addressing, limits or clock differ.
 *
 * <p>All waiting goes through {@link #await(CompletableFuture)} so a virtual-time provider can
 * advance its clock there.
 */
public abstract class P2PProviderContract {

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /**
   * A new provider that can reach every other provider made by this test instance. The kit closes
   * it.
   */
  protected abstract P2PProvider newProvider(String name);

  /** The address to pass to listen() for this provider. Default {@code ""}. */
  protected String listenAddress(P2PProvider provider) {
    return "";
  }

  /**
   * How another provider dials this listening one. Default {@code
   * PeerAddress.of(provider.localPeerId())}.
   */
  protected PeerAddress dialAddress(P2PProvider provider, P2PListener listener) {
    return PeerAddress.of(provider.localPeerId());
  }

  /**
   * An address for a peer that exists but does not listen. Default {@code
   * PeerAddress.of(provider.localPeerId())}.
   */
  protected PeerAddress nonListeningAddress(P2PProvider provider) {
    return PeerAddress.of(provider.localPeerId());
  }

  /**
   * Waits for a future. Default: get with {@link #timeout()}, unwrapping the cause. The simulator
   * drives virtual time here.
   */
  protected <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | CompletionException e) {
      throw rethrow(e.getCause());
    } catch (CancellationException e) {
      throw new AssertionError("future was cancelled", e);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + timeout() + " (the timeout() hook)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while waiting", e);
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

  @AfterEach
  final void closeEverything() throws Exception {
    Exception failure = null;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Test
  void connectAndAcceptBothWays() {
    P2PProvider alice = provider("alice");
    P2PProvider bob = provider("bob");
    checkDial(alice, bob);
    checkDial(bob, alice);
  }

  private void checkDial(P2PProvider dialler, P2PProvider listening) {
    P2PListener listener = track(await(listening.listen(listenAddress(listening))));
    CompletableFuture<P2PConnection> accepted = listener.accept();
    P2PConnection out = track(await(dialler.connect(dialAddress(listening, listener))));
    P2PConnection in = track(await(accepted));
    assertEquals(listening.localPeerId(), out.peerId(), "dialler's connection peerId()");
    assertEquals(dialler.localPeerId(), in.peerId(), "accepted connection's peerId()");
    assertTrue(out.isConnected(), "dialled connection isConnected()");
    assertTrue(in.isConnected(), "accepted connection isConnected()");
    byte[] ping = {1, 2, 3};
    await(out.send(ping));
    assertTrue(Arrays.equals(ping, await(in.recv())), "message over a fresh connection");
  }

  private P2PProvider provider(String name) {
    return track(newProvider(name));
  }

  private <T extends AutoCloseable> T track(T resource) {
    resources.push(resource);
    return resource;
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
