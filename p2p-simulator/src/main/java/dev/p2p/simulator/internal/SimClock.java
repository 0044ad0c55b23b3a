package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The virtual clock and the loop that drives it: one event queue, one lock over all simulation
 * state. Events, future completions and listener callbacks run on whichever thread drives the
 * simulation (the caller of {@code await}/{@code runFor} in deterministic mode, the clock thread in
 * real-time mode).
 *
 * <p>{@link SimCore} extends it rather than holding one: the per-packet path reads the clock and
 * queues arrivals, and a field of its own would be one more dependent load on each.
 */
public abstract class SimClock {
  private static final Logger log = LoggerFactory.getLogger(SimClock.class);
  private static final int EVENTS_PER_LOCK = 4096;

  final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final EventQueue queue = new EventQueue();
  private final WallClock wall;
  private long now;
  private long eventsRun;
  private Thread driver;
  private boolean closed;
  private int reentries; // guarded by lock: enter() calls by the thread that already holds it

  SimClock(boolean realTime) {
    this.wall = realTime ? new WallClock() : null;
  }

  /** Starts the real-time clock thread; called once the network on top is built. */
  final void startClock() {
    if (wall != null) {
      driver = new Thread(this::driveRealTime, "p2p-simulator-clock");
      driver.setDaemon(true);
      driver.start();
    }
  }

  /** Ends every peer as the network closes. Lock held. */
  abstract void shutDownPeers();

  // ---- locking and time ------------------------------------------------------------------

  /**
   * Takes the lock; in real-time mode first lets virtual time catch up with the wall clock.
   *
   * <p>Most calls come from callbacks on the driving thread, which already holds the lock. Those
   * only count, in a plain field: re-entering the lock writes its volatile state on lock and on
   * unlock (2-5% of a message's cost at 10,000 peers, see benchmarks/RESULTS.md).
   */
  void enter() {
    if (lock.isHeldByCurrentThread()) {
      reentries++;
    } else {
      lock.lock();
    }
    if (wall != null) {
      now = Math.max(now, wall.elapsedNanos());
    }
  }

  void exit() {
    if (reentries > 0) {
      reentries--;
    } else {
      lock.unlock();
    }
  }

  long now() {
    return now;
  }

  /**
   * True if the calling thread may run simulation callbacks: a deterministic network runs them on
   * whichever thread calls into it (that thread is the one driving it), a real-time one only on its
   * clock thread. Lock held.
   */
  boolean mayRunCallbacks() {
    return wall == null || Thread.currentThread() == driver;
  }

  public Duration elapsed() {
    lock.lock();
    try {
      return Duration.ofNanos(wall != null ? Math.max(now, wall.elapsedNanos()) : now);
    } finally {
      lock.unlock();
    }
  }

  public boolean realTime() {
    return wall != null;
  }

  /** Schedules {@code event} {@code delay} nanoseconds from now. Lock held. */
  void schedule(Event event, long delayNanos) {
    queue.add(event, now + Math.max(0, delayNanos));
    if (wall != null) {
      wake.signal();
    }
  }

  /** Takes a scheduled event back; nothing happens if it already ran or was never queued. */
  void cancel(Event event) {
    queue.remove(event);
  }

  /** Returns the scheduled event, which {@link #cancel} takes back. */
  Event schedule(long delayNanos, Runnable action) {
    Task task = new Task(action, null);
    schedule(task, delayNanos);
    return task;
  }

  private static final class Task extends Event {
    private final Runnable action;
    private final Object uses; // what the action will touch first, if the caller said; or null

    Task(Runnable action, Object uses) {
      this.action = action;
      this.uses = uses;
    }

    /**
     * Loads the action's header, so its first fields, an application's own cold state at scale, and
     * what it said it will use: a connection end's every line, which is the miss an application's
     * tick otherwise waits for alone (benchmarks/RESULTS.md).
     */
    @Override
    long prefetch() {
      long touched = action.getClass().getModifiers();
      return uses instanceof Event e ? touched + e.prefetch() : touched;
    }

    @Override
    protected void run() {
      action.run();
    }
  }

  /**
   * Runs {@code task} on the simulation thread {@code delay} from now; {@code uses}, if not null,
   * is what the task will use first (a connection), loaded with the rest of its bucket.
   */
  public void scheduleTask(Duration delay, Object uses, Runnable task) {
    enter();
    try {
      if (closed) {
        throw new ConnectionClosedException("the simulated network is closed");
      }
      // Not inspected here: even a type check would load the object, the miss this is to avoid.
      schedule(new Task(task, uses), delay.toNanos());
    } finally {
      exit();
    }
  }

  /** Queues {@code event} at absolute time {@code at}; {@link #wakeDriver} once done queueing. */
  final void scheduleAt(Event event, long at) {
    queue.add(event, at);
  }

  /** Tells the real-time clock thread its queue changed. Lock held. */
  final void wakeDriver() {
    if (wall != null) {
      wake.signal();
    }
  }

  // ---- driving -----------------------------------------------------------------------------

  /**
   * Waits until {@code done} completes or {@code linger} passes, then runs {@code after} with the
   * lock held. Used by a closing provider, whose {@code close()} has no future to hand back.
   *
   * <p>Deterministic network, called from outside the simulation: runs the network's events (every
   * peer's, as {@link #await} does) until {@code done} completes, the linger of virtual time has
   * passed or no event is left; it never sleeps. Real-time network, from an application thread:
   * waits up to the linger of wall time. From inside a simulation callback nothing can wait (the
   * caller holds the clock): {@code after} is scheduled {@code linger} from now unless {@code done}
   * completed first, and this returns at once.
   */
  void linger(CompletableFuture<?> done, Duration linger, Runnable after) {
    if (lock.isHeldByCurrentThread() || Thread.currentThread() == driver) {
      enter();
      try {
        Runnable once =
            new Runnable() {
              private boolean ran;

              @Override
              public void run() {
                if (!ran) {
                  ran = true;
                  after.run();
                }
              }
            };
        Event timer = schedule(linger.toNanos(), once);
        // Close futures complete on the simulation thread, lock held.
        done.whenComplete(
            (v, e) -> {
              cancel(timer);
              once.run();
            });
      } finally {
        exit();
      }
      return;
    }
    if (wall != null) {
      try {
        done.get(linger.toNanos(), TimeUnit.NANOSECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // the linger passed, or a close failed: reset what is left either way
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } else {
      lock.lock();
      try {
        long deadline = saturatedAdd(now, linger.toNanos());
        Event next;
        while (!done.isDone() && (next = queue.peek()) != null && next.time <= deadline) {
          runNext();
        }
        if (!done.isDone()) {
          now = Math.max(now, deadline);
        }
      } finally {
        lock.unlock();
      }
    }
    enter();
    try {
      after.run();
    } finally {
      exit();
    }
  }

  /**
   * Runs events until {@code future} completes and returns its value, or throws its exception.
   *
   * @throws P2PTimeoutException if no event is left that could complete it, or {@code timeout} of
   *     virtual time passes first
   */
  public <T> T await(CompletableFuture<T> future, Duration timeout) {
    if (wall != null) {
      return awaitRealTime(future, timeout);
    }
    checkNotDriverReentry();
    long deadline = saturatedAdd(now, timeout.toNanos());
    while (!future.isDone()) {
      lock.lock();
      try {
        for (int i = 0; i < EVENTS_PER_LOCK && !future.isDone(); i++) {
          Event next = queue.peek();
          if (next == null) {
            throw new P2PTimeoutException(
                "the simulation ran out of events at "
                    + format(now)
                    + " before the awaited operation completed: nothing left can complete it"
                    + " (does the peer listen, accept and recv?)");
          }
          if (next.time > deadline) {
            now = deadline;
            throw new P2PTimeoutException(
                "the awaited operation did not complete within " + timeout + " of virtual time");
          }
          runNext();
        }
      } finally {
        lock.unlock();
      }
    }
    return SimFutures.unwrap(future);
  }

  /** Runs every event due within the next {@code duration} of virtual time. */
  public void runFor(Duration duration) {
    requireDeterministic("runFor");
    checkNotDriverReentry();
    lock.lock();
    try {
      long end = saturatedAdd(now, duration.toNanos());
      Event next;
      while ((next = queue.peek()) != null && next.time <= end) {
        runNext();
      }
      now = end;
    } finally {
      lock.unlock();
    }
  }

  /** Runs events until none is left. */
  public void runUntilIdle() {
    requireDeterministic("runUntilIdle");
    checkNotDriverReentry();
    lock.lock();
    try {
      while (queue.peek() != null) {
        runNext();
      }
    } finally {
      lock.unlock();
    }
  }

  private void runNext() {
    Event e = queue.poll();
    eventsRun++;
    now = Math.max(now, e.time);
    e.run();
  }

  private void driveRealTime() {
    lock.lock();
    try {
      while (!closed) {
        Event head = queue.peek();
        if (head == null) {
          wake.await();
          continue;
        }
        long wait = head.time - wall.elapsedNanos();
        if (wait > 0) {
          wake.awaitNanos(wait);
          continue;
        }
        try {
          runNext();
        } catch (RuntimeException e) {
          log.error("simulation event failed; the network goes on", e);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      lock.unlock();
    }
  }

  private <T> T awaitRealTime(CompletableFuture<T> future, Duration timeout) {
    if (Thread.currentThread() == driver) {
      throw new IllegalStateException(
          "await called from a simulation callback: it would wait for itself");
    }
    return SimFutures.get(future, timeout);
  }

  private void checkNotDriverReentry() {
    if (lock.isHeldByCurrentThread()) {
      throw new IllegalStateException(
          "the simulation cannot be driven from inside a simulation callback;"
              + " chain on the future instead");
    }
  }

  private void requireDeterministic(String what) {
    if (wall != null) {
      throw new IllegalStateException(
          what
              + " is for deterministic networks; a real-time network runs on its own clock thread");
    }
  }

  /** Stops the clock thread (real-time) and drops every pending event. */
  public void close() {
    Thread toJoin;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      shutDownPeers();
      queue.clear();
      toJoin = driver;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
    if (toJoin != null && toJoin != Thread.currentThread()) {
      try {
        toJoin.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  boolean closed() {
    return closed;
  }

  public final long eventsRun() {
    lock.lock();
    try {
      return eventsRun;
    } finally {
      lock.unlock();
    }
  }

  public final int pendingEvents() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  static String format(long nanos) {
    return String.format("t=%d.%06ds", nanos / 1_000_000_000L, (nanos % 1_000_000_000L) / 1000);
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
