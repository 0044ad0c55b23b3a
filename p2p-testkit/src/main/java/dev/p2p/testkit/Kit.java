package dev.p2p.testkit;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.opentest4j.AssertionFailedError;

/**
 * What one contract test works with: the subclass's hooks, everything the test created (closed by
 * {@link #closeAll()}), the test's seed, and helpers that wait only through the {@code await} hook.
 */
final class Kit {
  private final P2PProviderContract contract;
  private final long seed;
  private final SplittableRandom random;
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final List<Thread> threads = new ArrayList<>();
  private final Map<String, Integer> names = new HashMap<>();

  Kit(P2PProviderContract contract, long seed) {
    this.contract = contract;
    this.seed = seed;
    this.random = TestSeed.random(seed);
  }

  P2PProviderContract hooks() {
    return contract;
  }

  long seed() {
    return seed;
  }

  /** The test's random source; deterministic for a given seed when used from the test thread. */
  SplittableRandom random() {
    return random;
  }

  /**
   * A tracked provider. Names are unique within a test (a second "alice" is "alice-2"), since a
   * provider may use them as identities.
   */
  P2PProvider provider(String base) {
    int n = names.merge(base, 1, Integer::sum);
    String name = n == 1 ? base : base + "-" + n;
    P2PProvider provider = contract.newProvider(name);
    if (provider == null) {
      throw new AssertionFailedError("newProvider(\"" + name + "\") returned null");
    }
    return track(provider);
  }

  P2PListener listen(P2PProvider provider) {
    String address = contract.listenAddress(provider);
    return track(await("listen(\"" + address + "\")", provider.listen(address)));
  }

  /** {@code listening} listens, {@code dialler} dials it, and the listener accepts. */
  ConnectedPair connect(P2PProvider dialler, P2PProvider listening) {
    return connect(dialler, listening, listen(listening));
  }

  ConnectedPair connect(P2PProvider dialler, P2PProvider listening, P2PListener listener) {
    CompletableFuture<P2PConnection> accepted = listener.accept();
    PeerAddress address = contract.dialAddress(listening, listener);
    P2PConnection dialled = track(await("connect to " + address, dialler.connect(address)));
    P2PConnection in = track(await("accept() of that connection", accepted));
    return new ConnectedPair(dialler, listening, listener, dialled, in);
  }

  /** Two new providers, alice dialling bob. */
  ConnectedPair pair() {
    return connect(provider("alice"), provider("bob"));
  }

  <T extends AutoCloseable> T track(T resource) {
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  <T> T await(CompletableFuture<T> future) {
    return contract.await(future);
  }

  /** A listener a provider handed out by mistake is still closed after the test. */
  <T> CompletableFuture<T> trackIfListener(CompletableFuture<T> future) {
    return future.whenComplete(
        (value, error) -> {
          if (value instanceof AutoCloseable resource) {
            track(resource);
          }
        });
  }

  /** Gives the provider {@code duration} of its own time (the {@code delay} hook), then returns. */
  void pause(Duration duration, String why) {
    await("a pause of " + duration + " (" + why + ")", contract.delay(duration));
  }

  /** Awaits a future that must succeed; any failure or timeout is reported as {@code what}. */
  <T> T await(String what, CompletableFuture<T> future) {
    try {
      return await(future);
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionFailedError(what + ": " + e, e);
    }
  }

  /** Awaits what a collector receives; a failure says how many messages had arrived. */
  List<byte[]> received(MessageCollector collector) {
    try {
      return await(collector.result());
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionFailedError(collector.progress() + ": " + e, e);
    }
  }

  /** Awaits every future (through one {@code await}) and returns their results in order. */
  <T> List<T> awaitAll(String what, Collection<? extends CompletableFuture<? extends T>> futures) {
    await(what, CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])));
    List<T> results = new ArrayList<>(futures.size());
    for (CompletableFuture<? extends T> future : futures) {
      results.add(future.join());
    }
    return results;
  }

  /**
   * Runs {@code operation} and asserts it fails with {@code expected}: the call throws it or the
   * future it returns completes with it, within the {@code timeout()} hook.
   */
  Throwable expectFailure(
      String what,
      Supplier<? extends CompletableFuture<?>> operation,
      Class<? extends Throwable> expected) {
    return expectFailure(what, operation, List.of(expected));
  }

  /** Like {@link #expectFailure(String, Supplier, Class)}, accepting either exception. */
  Throwable expectFailure(
      String what,
      Supplier<? extends CompletableFuture<?>> operation,
      Class<? extends Throwable> expected,
      Class<? extends Throwable> orExpected) {
    return expectFailure(what, operation, List.of(expected, orExpected));
  }

  /** Like {@link #expectFailure(String, Supplier, Class)}, accepting any of {@code expected}. */
  Throwable expectFailure(
      String what,
      Supplier<? extends CompletableFuture<?>> operation,
      List<Class<? extends Throwable>> expected) {
    String names = expected.stream().map(Class::getSimpleName).collect(Collectors.joining(" or "));
    Throwable failure;
    try {
      CompletableFuture<?> future = operation.get();
      if (future == null) {
        throw new AssertionFailedError(what + " returned a null future");
      }
      Object value = await(future);
      throw new AssertionFailedError(
          what + " succeeded (with " + value + ") but should fail with " + names);
    } catch (AssertionFailedError e) {
      throw e;
    } catch (AssertionError e) {
      throw new AssertionFailedError(what + ": " + e.getMessage(), e);
    } catch (Throwable e) {
      failure = e;
    }
    for (Class<? extends Throwable> type : expected) {
      if (type.isInstance(failure)) {
        return failure;
      }
    }
    throw new AssertionFailedError(
        what + " failed with " + failure + " but should fail with " + names, failure);
  }

  /**
   * Runs each task on its own platform thread, all released at once, and joins them (real threads,
   * so a plain bounded join). Tasks must not block on futures: they hand them back to the test
   * thread instead.
   */
  void runConcurrently(String name, List<Runnable> tasks) {
    CountDownLatch start = new CountDownLatch(1);
    List<Throwable> errors = new ArrayList<>();
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      Runnable task = tasks.get(i);
      Thread thread =
          new Thread(
              () -> {
                try {
                  if (!start.await(contract.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("start signal did not come");
                  }
                  task.run();
                } catch (Throwable e) {
                  synchronized (errors) {
                    errors.add(e);
                  }
                }
              },
              "p2p-testkit-" + name + "-" + i);
      thread.setDaemon(true);
      synchronized (threads) {
        threads.add(thread);
      }
      started.add(thread);
      thread.start();
    }
    start.countDown();
    long deadline = System.nanoTime() + contract.timeout().toNanos();
    for (Thread thread : started) {
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while joining " + thread.getName(), e);
      }
      if (thread.isAlive()) {
        throw new AssertionFailedError(
            thread.getName()
                + " still runs after "
                + contract.timeout()
                + ": a send() call blocked its thread"
                + ThreadSnapshot.describe(List.of(thread)));
      }
    }
    synchronized (errors) {
      if (!errors.isEmpty()) {
        AssertionFailedError failure =
            new AssertionFailedError(name + ": a sending thread failed", errors.get(0));
        errors.stream().skip(1).forEach(failure::addSuppressed);
        throw failure;
      }
    }
  }

  /** Closes connections, listeners and providers, newest first; reports every failure. */
  void closeAll() throws Exception {
    Exception failure = null;
    while (true) {
      AutoCloseable resource;
      synchronized (resources) {
        resource = resources.poll();
      }
      if (resource == null) {
        break;
      }
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    synchronized (threads) {
      for (Thread thread : threads) {
        thread.interrupt();
      }
      threads.clear();
    }
    if (failure != null) {
      throw failure;
    }
  }
}
