package dev.p2p.simulator;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerId;
import dev.p2p.simulator.internal.SimCore;
import dev.p2p.simulator.internal.SimSettings;
import dev.p2p.simulator.internal.Simulated;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A deterministic in-memory network on a virtual clock.
 *
 * <pre>{@code
 * SimNetwork net = SimNetwork.builder().seed(42).build();
 * P2PProvider alice = net.newPeer("alice");
 * P2PProvider bob = net.newPeer("bob");
 * P2PListener listener = net.await(bob.listen("any"));
 * P2PConnection toBob = net.await(alice.connect(bob.localPeerId()));
 * P2PConnection fromAlice = net.await(listener.accept());
 * net.await(toBob.send("hi".getBytes()));
 * byte[] got = net.await(fromAlice.recv());
 * }</pre>
 *
 * <p>Time only moves inside {@link #await}, {@link #runFor} and {@link #runUntilIdle}, on the
 * calling thread, and every random choice comes from the seed: the same seed and the same calls
 * give the same deliveries, losses, timestamps and {@link #traceHash()}. Callbacks and future
 * completions run on that thread; never block on a future with {@code join()} in deterministic mode
 * (nothing would move time), use {@link #await} instead.
 *
 * <p>A real-time network ({@link Builder#realTime(boolean)}, or {@code P2P.open()} with {@code
 * P2P_IMPLEMENTATION=simulator}) drives itself from a clock thread that follows the wall clock, so
 * plain {@code join()} works; loss and latency still come from the seed.
 *
 * <p>{@code messages()} subscribers are signalled on the same thread: in a deterministic network,
 * inline on whichever thread calls into it ({@code request} from a test delivers at once, messages
 * arriving during {@code await} are delivered inside it); in a real-time one, on the clock thread
 * only. {@code P2PProvider.close()} of a peer waits for its graceful closes by running the network
 * (virtual time passes, up to {@code P2P_CLOSE_LINGER_MS}); called from a callback it returns at
 * once and resets what is left when the linger ends. A relayed path is {@code Path.relayed} via
 * {@code sim://relay}; a direct one has no address (there are no sockets).
 *
 * <p>Delivery: {@code RELIABLE} messages arrive exactly once and in order while the connection
 * lives; loss shows up as retransmission delay. {@code UNRELIABLE} messages may be lost, duplicated
 * or reordered as the link says. See {@link NatType} for which peers get a direct path.
 */
public final class SimNetwork implements AutoCloseable {
  private final SimCore core;

  private SimNetwork(SimSettings settings) {
    this.core = new SimCore(settings);
  }

  public static Builder builder() {
    return new Builder(SimSettings.defaults());
  }

  /**
   * A deterministic network configured from the environment and system properties ({@code
   * SIMULATOR_P2P_*}, see the README).
   *
   * @throws dev.p2p.api.ConfigurationException naming the variable and range if a value is bad
   */
  public static SimNetwork fromEnvironment() {
    return fromConfig(P2PConfig.fromEnvironment());
  }

  /** A deterministic network configured from {@code config}'s {@code SIMULATOR_P2P_*} keys. */
  public static SimNetwork fromConfig(P2PConfig config) {
    return new SimNetwork(SimSettings.from(config));
  }

  static SimNetwork realTimeFromConfig(P2PConfig config) {
    return new SimNetwork(SimSettings.from(config).withRealTime(true));
  }

  /** A new peer with no NAT; its id is derived from the seed and {@code name}. */
  public P2PProvider newPeer(String name) {
    return newPeer(name, NatType.OPEN);
  }

  /** A new peer behind a NAT of the given type. */
  public P2PProvider newPeer(String name, NatType nat) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(nat, "nat");
    return core.topology().newPeer(name, nat);
  }

  /**
   * Runs the simulation until {@code future} completes; returns its value or throws its exception
   * (unwrapped).
   *
   * @throws P2PTimeoutException if the event queue empties first, or an hour of virtual time passes
   */
  public <T> T await(CompletableFuture<T> future) {
    return core.await(future, core.settings().awaitTimeout());
  }

  /** {@link #await(CompletableFuture)} with a virtual-time limit. */
  public <T> T await(CompletableFuture<T> future, Duration virtualTimeout) {
    return core.await(future, virtualTimeout);
  }

  /**
   * Runs {@code task} on the simulation thread once {@code delay} of virtual time has passed: the
   * timer for protocols written on top of the simulator. Tasks due at the same instant run in the
   * order they were scheduled.
   */
  public void schedule(Duration delay, Runnable task) {
    schedule(delay, null, task);
  }

  /**
   * {@link #schedule(Duration, Runnable)} for a task that will use {@code connection} (for example,
   * send on it), or null. The task runs at the same instant and in the same order either way; the
   * simulator only loads the connection's state ahead, with the rest of the events due around then,
   * as it does for the connections its packets reach. At thousands of peers that state is out of
   * cache, and a task that finds it there waits for memory alone (benchmarks/RESULTS.md).
   */
  public void schedule(Duration delay, P2PConnection connection, Runnable task) {
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative, got " + delay);
    }
    core.scheduleTask(delay, connection, Objects.requireNonNull(task, "task"));
  }

  /** Runs every event due within {@code virtualTime}, then sets the clock to its end. */
  public void runFor(Duration virtualTime) {
    core.runFor(virtualTime);
  }

  /** Runs until no event is left. */
  public void runUntilIdle() {
    core.runUntilIdle();
  }

  /** Virtual time since the network was built. */
  public Duration now() {
    return core.elapsed();
  }

  /** A digest of every packet fate and delivery so far: equal runs give equal hashes. */
  public String traceHash() {
    return core.traceHash();
  }

  /**
   * The last lines of the event log (time, link, connection, message, size, fate). Empty unless the
   * builder's {@link Builder#traceLines(int)} or {@code SIMULATOR_P2P_TRACE_LINES} asked for it.
   */
  public List<String> trace() {
    return core.traceLines();
  }

  /** Events run so far (packets, timers, tasks): what a run cost, independent of the machine. */
  public long eventsRun() {
    return core.eventsRun();
  }

  /** Events waiting in the queue (for tests of boundedness). */
  public int pendingEvents() {
    return core.pendingEvents();
  }

  // ---- links --------------------------------------------------------------------------------

  /** Sets the conditions of the link from {@code from} to {@code to} (one direction). */
  public void setLink(PeerId from, PeerId to, LinkConditions conditions) {
    core.topology().setLink(from, to, Objects.requireNonNull(conditions, "conditions"));
  }

  /** Sets the conditions of both directions between two peers. */
  public void setLinks(PeerId a, PeerId b, LinkConditions conditions) {
    setLink(a, b, conditions);
    setLink(b, a, conditions);
  }

  /** The conditions of the link from {@code from} to {@code to}. */
  public LinkConditions link(PeerId from, PeerId to) {
    return core.topology().link(from, to);
  }

  // ---- faults ------------------------------------------------------------------------------

  /** Cuts every link between the two groups, both ways. */
  public void partition(Collection<PeerId> groupA, Collection<PeerId> groupB) {
    core.topology().block(Set.copyOf(groupA), Set.copyOf(groupB));
    core.topology().block(Set.copyOf(groupB), Set.copyOf(groupA));
  }

  /** Cuts the links from {@code from} to {@code to} only; the other direction still works. */
  public void partitionOneWay(Collection<PeerId> from, Collection<PeerId> to) {
    core.topology().block(Set.copyOf(from), Set.copyOf(to));
  }

  /** Cuts the link between two peers, both ways. */
  public void partition(P2PProvider a, P2PProvider b) {
    partition(List.of(a.localPeerId()), List.of(b.localPeerId()));
  }

  /** Restores the links between the two groups, both ways. */
  public void heal(Collection<PeerId> groupA, Collection<PeerId> groupB) {
    core.topology().unblock(Set.copyOf(groupA), Set.copyOf(groupB));
    core.topology().unblock(Set.copyOf(groupB), Set.copyOf(groupA));
  }

  /** Restores every link. */
  public void heal() {
    core.topology().healAll();
  }

  /**
   * Kills a peer's process: its connections vanish without a word, its own pending calls fail, and
   * its peers notice after the idle timeout ({@code P2P_IDLE_TIMEOUT_MS}, default 30 s).
   */
  public void crash(PeerId peer) {
    core.topology().crash(peer);
  }

  /** Starts a crashed (or running) peer again with the same id; it must listen again. */
  public P2PProvider restart(PeerId peer) {
    return core.topology().restart(peer);
  }

  /** Moves a peer behind another NAT; new connections follow the new type. */
  public void setNat(PeerId peer, NatType nat) {
    core.topology().setNat(peer, nat);
  }

  /** The NAT a peer is behind. */
  public NatType nat(PeerId peer) {
    return core.topology().nat(peer);
  }

  /**
   * Tests only (package-private): birthday probing's per-attempt success probability for
   * PORT_RESTRICTED x SYMMETRIC handshakes from now on; the model's ~98% otherwise.
   */
  void birthdayProbability(double p) {
    core.topology().birthdayProbability(p);
  }

  /** What the network did to the packets of one end of a connection made by this network. */
  public SimCounters counters(P2PConnection connection) {
    return Simulated.counters(connection);
  }

  /** Counters for any simulator connection, for code that only holds the connection. */
  public static java.util.Optional<SimCounters> countersOf(P2PConnection connection) {
    return Simulated.isSimulated(connection)
        ? java.util.Optional.of(Simulated.counters(connection))
        : java.util.Optional.empty();
  }

  /** Stops the clock thread of a real-time network and fails everything still pending. */
  @Override
  public void close() {
    core.close();
  }

  /** Configures a {@link SimNetwork}. Defaults are those of the environment variables. */
  public static final class Builder {
    private final SimSettings.Mutable s;

    private Builder(SimSettings defaults) {
      this.s = defaults.toMutable();
    }

    public Builder seed(long seed) {
      s.seed = seed;
      return this;
    }

    /** Conditions of every link not set with {@link SimNetwork#setLink}. */
    public Builder defaultLink(LinkConditions link) {
      s.defaultLink = Objects.requireNonNull(link, "link");
      return this;
    }

    /** Probability that a connection attempt fails, 0 to 1. */
    public Builder failureRate(double p) {
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("failure rate must be from 0 to 1, got " + p);
      }
      s.failureRate = p;
      return this;
    }

    public Builder maxMessageSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("max message size must be positive, got " + bytes);
      }
      s.maxMessageSize = bytes;
      return this;
    }

    /** How long a silent peer is tolerated before its connections close. */
    public Builder idleTimeout(Duration d) {
      s.idleTimeout = positive(d);
      return this;
    }

    /** Keep-alive interval while a fault could cut a connection. */
    public Builder keepAlive(Duration d) {
      s.keepAlive = positive(d);
      return this;
    }

    /** How long a connection attempt may take before it fails. */
    public Builder connectTimeout(Duration d) {
      s.connectTimeout = positive(d);
      return this;
    }

    /**
     * How long {@code P2PProvider.close()} of a peer lets its connections close gracefully before
     * it resets them ({@code P2P_CLOSE_LINGER_MS}); zero resets at once. Virtual time.
     */
    public Builder closeLinger(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("close linger must not be negative, got " + d);
      }
      s.closeLinger = d;
      return this;
    }

    /** Extra one-way latency of a relayed path. */
    public Builder relayLatency(Duration d) {
      if (d.isNegative()) {
        throw new IllegalArgumentException("relay latency must not be negative, got " + d);
      }
      s.relayLatency = d;
      return this;
    }

    /** The virtual-time limit of {@link SimNetwork#await(CompletableFuture)}; default one hour. */
    public Builder awaitTimeout(Duration d) {
      s.awaitTimeout = positive(d);
      return this;
    }

    /** Keep the last {@code lines} lines of the event log for {@link SimNetwork#trace()}. */
    public Builder traceLines(int lines) {
      if (lines < 0) {
        throw new IllegalArgumentException("trace lines must not be negative, got " + lines);
      }
      s.traceCapacity = lines;
      return this;
    }

    /** A network whose clock follows the wall clock, driven by its own thread. */
    public Builder realTime(boolean realTime) {
      s.realTime = realTime;
      return this;
    }

    public SimNetwork build() {
      return new SimNetwork(s.build());
    }

    private static Duration positive(Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("duration must be positive, got " + d);
      }
      return d;
    }
  }
}
