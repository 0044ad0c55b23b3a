package dev.p2p.tunnel.server;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.PeerId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The book-keeping of a P2P relay, with the semantics of a game master server: it knows which peers
 * are connected through it, in which state, and how much each connection carried.
 *
 * <p>A connection joins two peers of one app for one {@link ConnectionType} and virtual port, in
 * both directions: {@code createOrGetConnection(a, b, ...)} and {@code createOrGetConnection(b, a,
 * ...)} return the same connection. Peers of different apps are never connected.
 *
 * <p>Thread-safe. Lookups and packet accounting take no lock; creating and closing connections take
 * one short lock so per-peer limits hold exactly.
 */
public final class RelayManager {
  /** Default idle time after which {@link #cleanupStaleConnections()} removes a connection. */
  public static final Duration DEFAULT_STALE_TIMEOUT = Duration.ofMinutes(5);

  /** How often a server runs {@link #cleanupStaleConnections()}. */
  public static final Duration CLEANUP_INTERVAL = Duration.ofSeconds(10);

  private static final Logger log = LoggerFactory.getLogger(RelayManager.class);

  private final LongSupplier ticker;
  private final long staleTimeoutNanos;
  private final int maxConnectionsPerPeer;

  private final Object lock = new Object();
  private final AtomicLong nextId = new AtomicLong(1);
  private final ConcurrentHashMap<Long, Entry> byId = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Entry> byKey = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PeerId, Set<Entry>> byPeer = new ConcurrentHashMap<>();
  private final LongAdder totalPackets = new LongAdder();
  private final LongAdder totalBytes = new LongAdder();
  private final AtomicLong created = new AtomicLong();
  private final AtomicLong closed = new AtomicLong();

  private RelayManager(Builder builder) {
    this.ticker = builder.ticker;
    this.staleTimeoutNanos = builder.staleTimeout.toNanos();
    this.maxConnectionsPerPeer = builder.maxConnectionsPerPeer;
  }

  /** A relay manager with the defaults: 5 minute stale timeout, no per-peer limit, real time. */
  public static RelayManager create() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code createOrGetConnection(from, to, appId, type, 0, 0)}. */
  public RelayConnection createOrGetConnection(
      PeerId from, PeerId to, long appId, ConnectionType type) {
    return createOrGetConnection(from, to, appId, type, 0, 0);
  }

  /**
   * The open connection between the two peers for this app, type and virtual port, in either
   * direction, or a new one in state {@link RelayConnectionState#CONNECTING} initiated by {@code
   * from}.
   *
   * @throws ConnectionFailedException if a new connection would exceed the per-peer limit of either
   *     peer
   */
  public RelayConnection createOrGetConnection(
      PeerId from, PeerId to, long appId, ConnectionType type, int virtualPort, int channel) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(type, "type");
    Key key = Key.of(from, to, appId, type, virtualPort);
    synchronized (lock) {
      Entry existing = byKey.get(key);
      if (existing != null && existing.state != RelayConnectionState.CLOSED) {
        return existing.snapshot();
      }
      checkLimit(from);
      if (!from.equals(to)) {
        checkLimit(to);
      }
      long now = ticker.getAsLong();
      Entry entry =
          new Entry(nextId.getAndIncrement(), from, to, appId, type, virtualPort, channel, now);
      byKey.put(key, entry);
      byId.put(entry.id, entry);
      byPeer.computeIfAbsent(from, p -> ConcurrentHashMap.newKeySet()).add(entry);
      byPeer.computeIfAbsent(to, p -> ConcurrentHashMap.newKeySet()).add(entry);
      created.incrementAndGet();
      return entry.snapshot();
    }
  }

  private void checkLimit(PeerId peer) {
    Set<Entry> open = byPeer.get(peer);
    int count = open == null ? 0 : open.size();
    if (count >= maxConnectionsPerPeer) {
      throw new ConnectionFailedException(
          "peer "
              + peer.shortString()
              + " already has "
              + count
              + " relayed connections, the limit of this relay; close some first");
    }
  }

  /** The connection between {@code a} and {@code b} of this type (either direction, any app). */
  public Optional<RelayConnection> findConnection(PeerId a, PeerId b, ConnectionType type) {
    Set<Entry> ofA = byPeer.get(a);
    if (ofA == null) {
      return Optional.empty();
    }
    return ofA.stream()
        .filter(e -> e.type == type && e.other(a) != null && e.other(a).equals(b))
        .filter(e -> e.state != RelayConnectionState.CLOSED)
        .min(Comparator.comparingLong(e -> e.id))
        .map(Entry::snapshot);
  }

  /** The connection with exactly this app, type and virtual port, in either direction. */
  public Optional<RelayConnection> findConnection(
      PeerId a, PeerId b, long appId, ConnectionType type, int virtualPort) {
    Entry e = byKey.get(Key.of(a, b, appId, type, virtualPort));
    return e == null || e.state == RelayConnectionState.CLOSED
        ? Optional.empty()
        : Optional.of(e.snapshot());
  }

  /**
   * Moves a connection to {@code state}; {@link RelayConnectionState#CLOSED} removes it.
   *
   * @return false if the connection is unknown or the move is not allowed (see {@link
   *     RelayConnectionState#canMoveTo})
   */
  public boolean updateState(long connectionId, RelayConnectionState state) {
    Objects.requireNonNull(state, "state");
    if (state == RelayConnectionState.CLOSED) {
      return closeConnection(connectionId);
    }
    synchronized (lock) {
      Entry e = byId.get(connectionId);
      if (e == null || !e.state.canMoveTo(state)) {
        return false;
      }
      e.state = state;
      e.lastActivity = ticker.getAsLong();
      return true;
    }
  }

  /**
   * Counts one relayed packet of {@code size} payload bytes and marks the connection active.
   *
   * @return false if the connection is unknown (nothing is counted then)
   */
  public boolean recordPacketRelayed(long connectionId, int size) {
    return recordRelayed(connectionId, 1, size);
  }

  /**
   * Counts {@code packets} relayed packets of {@code bytes} payload bytes in all and marks the
   * connection active: a relay that forwards a batch of packets counts them once.
   *
   * @return false if the connection is unknown (nothing is counted then)
   */
  public boolean recordRelayed(long connectionId, long packets, long bytes) {
    Entry e = byId.get(connectionId);
    if (e == null) {
      return false;
    }
    e.packets.addAndGet(packets);
    e.bytes.addAndGet(bytes);
    e.lastActivity = ticker.getAsLong();
    totalPackets.add(packets);
    totalBytes.add(bytes);
    return true;
  }

  /** Closes and removes a connection; false if it was unknown. */
  public boolean closeConnection(long connectionId) {
    synchronized (lock) {
      Entry e = byId.get(connectionId);
      if (e == null) {
        return false;
      }
      remove(e);
      return true;
    }
  }

  /** Closes every connection of {@code peer} (it left); returns them as they were before. */
  public List<RelayConnection> closeConnectionsForPeer(PeerId peer) {
    List<RelayConnection> result = new ArrayList<>();
    synchronized (lock) {
      Set<Entry> entries = byPeer.get(peer);
      if (entries == null) {
        return result;
      }
      for (Entry e : List.copyOf(entries)) {
        result.add(e.snapshot());
        remove(e);
      }
    }
    return result;
  }

  /**
   * Closes connections idle for longer than the stale timeout. A server calls this every {@link
   * #CLEANUP_INTERVAL}.
   *
   * @return the removed connections as they were before
   */
  public List<RelayConnection> cleanupStaleConnections() {
    long now = ticker.getAsLong();
    List<RelayConnection> result = new ArrayList<>();
    synchronized (lock) {
      for (Entry e : byId.values()) {
        if (now - e.lastActivity > staleTimeoutNanos) {
          result.add(e.snapshot());
          remove(e);
        }
      }
    }
    if (!result.isEmpty()) {
      log.debug("closed {} stale relay connections", result.size());
    }
    return result;
  }

  private void remove(Entry e) {
    // Caller holds the lock.
    e.state = RelayConnectionState.CLOSED;
    byId.remove(e.id, e);
    byKey.remove(e.key, e);
    removeFromPeer(e.initiator, e);
    removeFromPeer(e.target, e);
    closed.incrementAndGet();
  }

  private void removeFromPeer(PeerId peer, Entry e) {
    Set<Entry> set = byPeer.get(peer);
    if (set != null) {
      set.remove(e);
      if (set.isEmpty()) {
        byPeer.remove(peer, set);
      }
    }
  }

  public Optional<RelayConnection> getConnection(long connectionId) {
    Entry e = byId.get(connectionId);
    return e == null ? Optional.empty() : Optional.of(e.snapshot());
  }

  /** The state of a connection, or CLOSED if unknown; cheaper than {@link #getConnection}. */
  public RelayConnectionState getState(long connectionId) {
    Entry e = byId.get(connectionId);
    return e == null ? RelayConnectionState.CLOSED : e.state;
  }

  /** The open connections {@code peer} is an end of, oldest first. */
  public List<RelayConnection> getConnectionsForPeer(PeerId peer) {
    Set<Entry> entries = byPeer.get(peer);
    if (entries == null) {
      return List.of();
    }
    return entries.stream()
        .sorted(Comparator.comparingLong(e -> e.id))
        .map(Entry::snapshot)
        .toList();
  }

  /** How many open connections {@code peer} is an end of. */
  public int getConnectionCountForPeer(PeerId peer) {
    Set<Entry> entries = byPeer.get(peer);
    return entries == null ? 0 : entries.size();
  }

  /**
   * Where a packet from {@code source} on this connection goes: the other end. Empty if the
   * connection is unknown or {@code source} is not one of its ends.
   */
  public Optional<PeerId> getDestinationPeer(long connectionId, PeerId source) {
    Entry e = byId.get(connectionId);
    return e == null ? Optional.empty() : Optional.ofNullable(e.other(source));
  }

  /** Connections not yet closed (connecting, connected or disconnecting). */
  public int getActiveConnectionCount() {
    return byId.size();
  }

  public RelayStatistics getStatistics() {
    return new RelayStatistics(
        totalPackets.sum(), totalBytes.sum(), byId.size(), created.get(), closed.get());
  }

  /** Closes every connection and logs the final statistics. */
  public RelayStatistics shutdown() {
    synchronized (lock) {
      for (Entry e : List.copyOf(byId.values())) {
        remove(e);
      }
    }
    RelayStatistics stats = getStatistics();
    log.info(
        "relay shut down: {} packets, {} bytes relayed over {} connections",
        stats.totalPackets(),
        stats.totalBytes(),
        stats.connectionsCreated());
    return stats;
  }

  /** Configures a {@link RelayManager}. */
  public static final class Builder {
    private LongSupplier ticker = System::nanoTime;
    private Duration staleTimeout = DEFAULT_STALE_TIMEOUT;
    private int maxConnectionsPerPeer = Integer.MAX_VALUE;

    private Builder() {}

    /** The time source, in nanoseconds like {@link System#nanoTime()}; tests pass a fake one. */
    public Builder ticker(LongSupplier nanoTicker) {
      this.ticker = Objects.requireNonNull(nanoTicker, "nanoTicker");
      return this;
    }

    /** Idle time after which a connection is stale. Default 5 minutes. */
    public Builder staleTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("stale timeout must be positive, got " + timeout);
      }
      this.staleTimeout = timeout;
      return this;
    }

    /** The most open connections one peer may be an end of. Default unlimited. */
    public Builder maxConnectionsPerPeer(int max) {
      if (max < 1) {
        throw new IllegalArgumentException("max connections per peer must be >= 1, got " + max);
      }
      this.maxConnectionsPerPeer = max;
      return this;
    }

    public RelayManager build() {
      return new RelayManager(this);
    }
  }

  private record Key(PeerId low, PeerId high, long appId, ConnectionType type, int virtualPort) {
    static Key of(PeerId a, PeerId b, long appId, ConnectionType type, int virtualPort) {
      return a.compareTo(b) <= 0
          ? new Key(a, b, appId, type, virtualPort)
          : new Key(b, a, appId, type, virtualPort);
    }
  }

  private static final class Entry {
    final long id;
    final PeerId initiator;
    final PeerId target;
    final long appId;
    final ConnectionType type;
    final int virtualPort;
    final int channel;
    final long createdAt;
    final Key key;
    final AtomicLong packets = new AtomicLong();
    final AtomicLong bytes = new AtomicLong();
    volatile RelayConnectionState state = RelayConnectionState.CONNECTING;
    volatile long lastActivity;

    Entry(
        long id,
        PeerId initiator,
        PeerId target,
        long appId,
        ConnectionType type,
        int virtualPort,
        int channel,
        long now) {
      this.id = id;
      this.initiator = initiator;
      this.target = target;
      this.appId = appId;
      this.type = type;
      this.virtualPort = virtualPort;
      this.channel = channel;
      this.createdAt = now;
      this.lastActivity = now;
      this.key = Key.of(initiator, target, appId, type, virtualPort);
    }

    PeerId other(PeerId source) {
      if (initiator.equals(source)) {
        return target;
      }
      return target.equals(source) ? initiator : null;
    }

    RelayConnection snapshot() {
      return new RelayConnection(
          id,
          initiator,
          target,
          appId,
          type,
          virtualPort,
          channel,
          state,
          createdAt,
          lastActivity,
          packets.get(),
          bytes.get());
    }
  }
}
