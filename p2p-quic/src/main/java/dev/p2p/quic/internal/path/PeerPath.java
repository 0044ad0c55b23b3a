package dev.p2p.quic.internal.path;

import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.traversal.MappingBehaviour;
import dev.p2p.quic.internal.path.traversal.ProbeKeys;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One remote peer as the path layer sees it: the stable virtual address QUIC uses for it, the
 * routes it can be reached on (direct UDP addresses and relays) and the one chosen now.
 */
public final class PeerPath {
  /** Told when the chosen route changes or the peer turns out unreachable. Called on the loop. */
  public interface Observer {
    /**
     * The route changed.
     *
     * @param failover the previous route stopped working (rather than a better one answering)
     */
    void pathChanged(PeerPath path, Route previous, Route current, String reason, boolean failover);

    /** Every route of a path that never answered is known dead (e.g. no relay has the peer). */
    default void unreachable(PeerPath path, String why) {}
  }

  public final InetSocketAddress virtualAddress;
  private final CopyOnWriteArrayList<InetSocketAddress> candidates = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<URI> relays = new CopyOnWriteArrayList<>();
  private final Set<URI> relaysWithoutPeer = ConcurrentHashMap.newKeySet();
  private final CopyOnWriteArrayList<Observer> observers = new CopyOnWriteArrayList<>();
  public final AtomicInteger users = new AtomicInteger();

  /** Connections this peer dialled to us over this path (their packets go to the server codec). */
  public final AtomicInteger accepted = new AtomicInteger();

  /** The peer's id once known: dialled by it, or proven by a handshake. */
  private volatile PeerId peer;

  /** The id a relay said the first packet came from; not proven until a handshake binds it. */
  private volatile PeerId relayClaim;

  private volatile long resetCandidateNanos;
  private volatile long initialSeenNanos;

  /** Null until a route answers: until then every route gets each packet. */
  private volatile Route current;

  public volatile long lastActivityNanos = System.nanoTime();

  /** When the last packet (QUIC or probe answer) arrived on a direct address. Loop. */
  long lastDirectNanos = System.nanoTime();

  /** When the path monitor last probed the direct addresses. Loop. */
  long lastProbeNanos;

  private final ConcurrentHashMap<Route, LongAdder> sent = new ConcurrentHashMap<>();

  /** The secrets this path's probes are authenticated with (ours now, the peer's once told). */
  public final ProbeKeys keys = new ProbeKeys();

  /** The last probe round-trip time per direct address, for the anti-flap rule. Loop. */
  final Map<InetSocketAddress, Long> directRttNanos = new HashMap<>();

  /** Until when the path punches its candidates at the punch pace (after an offer). Loop. */
  long punchUntilNanos;

  /** When the last offer that started punching arrived (0: none yet). Loop. */
  long lastOfferNanos;

  /** When the last paced punch round went out. Loop. */
  long lastPunchNanos;

  /** The mapping behaviour our last offer told the peer (null: none sent yet). Loop. */
  MappingBehaviour advertisedMapping;

  /** The peer's offer, kept until ours is out so birthday probing can decide. Loop. */
  TraversalOffer birthdayOfferWaiting;

  /** Relayed probing rounds without an answer since the last one (backoff exponent). Loop. */
  int unansweredRounds;

  public PeerPath(InetSocketAddress virtualAddress, List<InetSocketAddress> candidates) {
    this.virtualAddress = virtualAddress;
    this.candidates.addAllAbsent(candidates);
  }

  void countSent(Route route) {
    sent.computeIfAbsent(route, a -> new LongAdder()).increment();
  }

  /** Packets sent on each route, for diagnostics and tests. */
  public long packetsSentTo(Route route) {
    LongAdder n = sent.get(route);
    return n == null ? 0 : n.sum();
  }

  public long packetsSentTo(InetSocketAddress address) {
    return packetsSentTo(new Route.Direct(address));
  }

  /**
   * The direct addresses now, a snapshot: the loop adds and removes them (offers, rebinding) while
   * other threads read, so a live view could change between a size check and a get.
   */
  public List<InetSocketAddress> candidates() {
    return List.copyOf(candidates);
  }

  public boolean addCandidate(InetSocketAddress address) {
    return candidates.addIfAbsent(address);
  }

  void removeCandidate(InetSocketAddress address) {
    candidates.remove(address);
    directRttNanos.remove(address);
  }

  /** The relays the peer may be logged in to. */
  public List<URI> relays() {
    return relays;
  }

  public void addRelay(URI relay) {
    relays.addIfAbsent(relay);
  }

  public PeerId peer() {
    return peer;
  }

  void peer(PeerId id) {
    if (peer == null) {
      peer = id;
    }
  }

  PeerId relayClaim() {
    return relayClaim;
  }

  void relayClaim(PeerId id) {
    relayClaim = id;
  }

  /** The id to address relayed packets to: the proven or dialled one, else the relay's claim. */
  public PeerId relayDestination() {
    PeerId p = peer;
    return p != null ? p : relayClaim;
  }

  /** The route packets take now, or null while none has answered. */
  public Route current() {
    return current;
  }

  public PathType type() {
    return current instanceof Route.Relayed ? PathType.RELAYED : PathType.DIRECT;
  }

  /** Sends to {@code address} from now on (tests switch paths by hand with this). */
  public void select(InetSocketAddress address) {
    select(new Route.Direct(address), "moved to " + address, false);
  }

  /** Chooses where packets go from now on; observers hear of it if it changed. */
  void select(Route route, String reason, boolean failover) {
    Route previous = current;
    if (route.equals(previous)) {
      return;
    }
    if (route instanceof Route.Direct d) {
      addCandidate(d.address());
    } else if (route instanceof Route.Relayed r) {
      addRelay(r.relay());
      relaysWithoutPeer.remove(r.relay());
    }
    current = route;
    for (Observer o : observers) {
      o.pathChanged(this, previous, route, reason, failover);
    }
  }

  /** A new dial: relays that lacked the peer before may have it now. */
  void newDial() {
    relaysWithoutPeer.clear();
  }

  /** The relay said the peer is not logged in there. */
  void relayLacksPeer(URI relay) {
    relaysWithoutPeer.add(relay);
    if (current == null && candidates.isEmpty() && relaysWithoutPeer.containsAll(relays)) {
      String why = "peer " + relayDestination().shortString() + "... is not logged in to " + relays;
      for (Observer o : observers) {
        o.unreachable(this, why);
      }
    }
  }

  boolean relayHasPeer(URI relay) {
    return !relaysWithoutPeer.contains(relay);
  }

  /** The peer opened a connection to our server codec (an Initial packet arrived). */
  public void initialSeen() {
    initialSeenNanos = System.nanoTime() | 1;
  }

  /**
   * True while the peer may be setting up a connection to our server codec, whose first short
   * packets arrive before that connection counts as {@link #accepted}.
   */
  public boolean serverHandshakeRecent() {
    long at = initialSeenNanos;
    return at != 0 && System.nanoTime() - at < TimeUnit.SECONDS.toNanos(30);
  }

  /** A packet that may be a stateless reset for our dialled connections arrived. */
  public void resetCandidate() {
    resetCandidateNanos = System.nanoTime() | 1;
  }

  /** True if a possible stateless reset arrived within the last second. */
  public boolean resetSeen() {
    long at = resetCandidateNanos;
    return at != 0 && System.nanoTime() - at < TimeUnit.SECONDS.toNanos(1);
  }

  public void addObserver(Observer observer) {
    observers.add(observer);
  }

  public void removeObserver(Observer observer) {
    observers.remove(observer);
  }

  boolean inUse() {
    return users.get() > 0 || accepted.get() > 0;
  }

  @Override
  public String toString() {
    Route c = current;
    return "PeerPath["
        + virtualAddress
        + " -> "
        + (c == null ? candidates + " " + relays : c)
        + "]";
  }
}
