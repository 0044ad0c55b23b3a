package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.simulator.LinkConditions;
import dev.p2p.simulator.NatType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated network: peers, links, one virtual clock and one event queue. All state is guarded
 * by {@link #lock}; events, future completions and listener callbacks run on whichever thread
 * drives the simulation (the caller of {@code await}/{@code runFor} in deterministic mode, the
 * clock thread in real-time mode).
 */
public final class SimCore {
  private static final Logger log = LoggerFactory.getLogger(SimCore.class);
  private static final int EVENTS_PER_LOCK = 4096;

  final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  final SimSettings settings;
  final SimRandom random;
  private final EventQueue queue = new EventQueue();
  private final TraceRecorder trace;
  private final WallClock wall;
  private long now;
  private long eventsRun;
  private Thread driver;
  private boolean closed;
  private int reentries; // guarded by lock: enter() calls by the thread that already holds it

  private final Map<PeerId, PeerSlot> slotsById = new HashMap<>();
  private final Map<String, PeerSlot> slotsByName = new HashMap<>();
  private final List<PeerSlot> slots = new ArrayList<>();
  private final LinkTable links;
  private long nextConnectionId = 1;

  public SimCore(SimSettings settings) {
    this.settings = settings;
    this.random = new SimRandom(settings.seed());
    this.trace = new TraceRecorder(settings.traceCapacity());
    this.links = new LinkTable(settings.defaultLink());
    this.wall = settings.realTime() ? new WallClock() : null;
    if (wall != null) {
      driver = new Thread(this::driveRealTime, "p2p-simulator-clock");
      driver.setDaemon(true);
      driver.start();
    }
  }

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

  public SimSettings settings() {
    return settings;
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
    Task task = new Task(action);
    schedule(task, delayNanos);
    return task;
  }

  private static final class Task extends Event {
    private final Runnable action;

    Task(Runnable action) {
      this.action = action;
    }

    /** Loads the action's header, so its first fields, an application's own cold state at scale. */
    @Override
    long prefetch() {
      return action.getClass().getModifiers();
    }

    @Override
    protected void run() {
      action.run();
    }
  }

  /** Runs {@code task} on the simulation thread {@code delay} from now. */
  public void scheduleTask(Duration delay, Runnable task) {
    enter();
    try {
      if (closed) {
        throw new ConnectionClosedException("the simulated network is closed");
      }
      schedule(delay.toNanos(), task);
    } finally {
      exit();
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
    return unwrap(future);
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
    try {
      return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new P2PTimeoutException("the awaited operation did not complete within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new P2PException("interrupted while waiting", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
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

  static <T> T unwrap(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      throw rethrow(e.getCause());
    } catch (CancellationException e) {
      throw e;
    }
  }

  private static RuntimeException rethrow(Throwable cause) {
    if (cause instanceof RuntimeException r) {
      return r;
    }
    if (cause instanceof Error err) {
      throw err;
    }
    return new P2PException(String.valueOf(cause), cause);
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
      for (PeerSlot slot : slots) {
        if (slot.current != null) {
          slot.current.shutdown(new ConnectionClosedException("the simulated network was closed"));
        }
      }
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

  // ---- peers -------------------------------------------------------------------------------

  public SimPeer newPeer(String name, NatType nat) {
    enter();
    try {
      if (closed) {
        throw new ConnectionClosedException("the simulated network is closed");
      }
      if (slotsByName.containsKey(name)) {
        throw new IllegalArgumentException(
            "a peer named '" + name + "' already exists; use restart to bring it back");
      }
      PeerSlot slot =
          new PeerSlot(slots.size(), name, DerivedKeys.peerId(settings.seed(), name), nat);
      slots.add(slot);
      slotsByName.put(name, slot);
      slotsById.put(slot.id, slot);
      slot.current = new SimPeer(this, slot);
      return slot.current;
    } finally {
      exit();
    }
  }

  public void crash(PeerId id) {
    enter();
    try {
      PeerSlot slot = slot(id);
      if (slot.up()) {
        slot.current.crash();
        faultsChanged();
      }
    } finally {
      exit();
    }
  }

  public SimPeer restart(PeerId id) {
    enter();
    try {
      PeerSlot slot = slot(id);
      if (slot.up()) {
        slot.current.crash();
      }
      slot.incarnation++;
      slot.current = new SimPeer(this, slot);
      faultsChanged();
      return slot.current;
    } finally {
      exit();
    }
  }

  public void setNat(PeerId id, NatType nat) {
    enter();
    try {
      slot(id).nat = nat;
    } finally {
      exit();
    }
  }

  public NatType nat(PeerId id) {
    enter();
    try {
      return slot(id).nat;
    } finally {
      exit();
    }
  }

  PeerSlot slot(PeerId id) {
    PeerSlot slot = slotsById.get(id);
    if (slot == null) {
      throw new IllegalArgumentException("no simulated peer " + id.shortString());
    }
    return slot;
  }

  PeerSlot find(PeerId id) {
    return slotsById.get(id);
  }

  long nextConnectionId() {
    return nextConnectionId++;
  }

  // ---- links and faults ----------------------------------------------------------------------

  LinkConditions link(PeerSlot from, PeerSlot to) {
    return links.conditions(from, to);
  }

  public void setLink(PeerId from, PeerId to, LinkConditions conditions) {
    enter();
    try {
      links.set(slot(from), slot(to), conditions);
    } finally {
      exit();
    }
  }

  public LinkConditions link(PeerId from, PeerId to) {
    enter();
    try {
      return links.conditions(slot(from), slot(to));
    } finally {
      exit();
    }
  }

  public void block(Set<PeerId> from, Set<PeerId> to) {
    enter();
    try {
      for (PeerId f : from) {
        for (PeerId t : to) {
          links.cut(slot(f), slot(t));
        }
      }
      faultsChanged();
    } finally {
      exit();
    }
  }

  public void unblock(Set<PeerId> from, Set<PeerId> to) {
    enter();
    try {
      for (PeerId f : from) {
        for (PeerId t : to) {
          links.restore(slot(f), slot(t));
        }
      }
    } finally {
      exit();
    }
  }

  public void healAll() {
    enter();
    try {
      links.restoreAll();
    } finally {
      exit();
    }
  }

  /** True if keep-alives between the two could get through both ways right now. */
  boolean healthy(PeerSlot a, PeerSlot b) {
    return a.up() && b.up() && !links.isCut(a, b) && !links.isCut(b, a);
  }

  /** A fault appeared: connections that cross it start keep-alives so they notice if it lasts. */
  private void faultsChanged() {
    for (PeerSlot slot : slots) {
      if (slot.up()) {
        slot.current.checkConnectionHealth();
      }
    }
  }

  /** The path a new connection starts on, given the two NATs. */
  PathType initialPath(PeerSlot a, PeerSlot b) {
    return a.nat == NatType.OPEN && b.nat == NatType.OPEN ? PathType.DIRECT : PathType.RELAYED;
  }

  boolean canPunch(PeerSlot a, PeerSlot b) {
    return NatType.canPunch(a.nat, b.nat);
  }

  /** The nominal round trip between two peers on a path, before any queueing. */
  long nominalRtt(PeerSlot a, PeerSlot b, PathType path) {
    long relay = path == PathType.RELAYED ? settings.relayLatency().toNanos() : 0;
    return link(a, b).latency().toNanos() + link(b, a).latency().toNanos() + 2 * relay;
  }

  // ---- the wire ------------------------------------------------------------------------------

  static final int FATE_DELIVERED = 0;
  static final int FATE_LOST = 1;
  static final int FATE_DUPLICATED = 2;
  static final int FATE_APP = 3;

  /**
   * Puts a packet on the link from its sender to its receiver: decides loss, delay, queueing,
   * duplication. Returns the fate for the sender's counters.
   */
  int transmit(Packet p, PathType path) {
    PeerSlot from = p.from;
    PeerSlot to = p.to;
    LinkConditions c = link(from, to);
    long size = p.wireSize();
    long departure = links.departure(from, to, size, now, c.bandwidthBitsPerSecond());
    if (links.isCut(from, to) || random.chance(c.loss())) {
      record(p, FATE_LOST, -1);
      return FATE_LOST;
    }
    long arrival = departure + delay(c, path);
    queue.add(p, arrival);
    int fate = FATE_DELIVERED;
    if (random.chance(c.duplicate())) {
      Packet copy = p.copy();
      queue.add(copy, departure + delay(c, path));
      fate = FATE_DUPLICATED;
    }
    if (wall != null) {
      wake.signal();
    }
    record(p, fate, arrival);
    return fate;
  }

  private long delay(LinkConditions c, PathType path) {
    long latency = c.latency().toNanos();
    long d = latency + random.upTo(c.jitter().toNanos());
    if (path == PathType.RELAYED) {
      d += settings.relayLatency().toNanos();
    }
    if (random.chance(c.reorder())) {
      d += random.upTo(2 * latency + 1_000_000L);
    }
    return d;
  }

  private void record(Packet p, int fate, long arrival) {
    trace.packet(now, p, fate, arrival);
  }

  /** Records a message handed to the application. */
  void recordDelivery(PeerSlot at, int atIndex, long connectionId, long seq, int size) {
    trace.delivery(now, at, atIndex, connectionId, seq, size);
  }

  boolean logging() {
    return trace.logging();
  }

  void log(String line) {
    if (trace.logging()) {
      trace.log(format(now) + " " + line);
    }
  }

  public String traceHash() {
    lock.lock();
    try {
      return trace.digest();
    } finally {
      lock.unlock();
    }
  }

  public List<String> traceLines() {
    lock.lock();
    try {
      return trace.lines();
    } finally {
      lock.unlock();
    }
  }

  public long eventsRun() {
    lock.lock();
    try {
      return eventsRun;
    } finally {
      lock.unlock();
    }
  }

  public int pendingEvents() {
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
