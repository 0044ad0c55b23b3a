package dev.p2p.quic.internal.path;

import dev.p2p.api.PathType;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One remote peer as the path layer sees it: the stable virtual address QUIC uses for it, the real
 * addresses it can be reached at, and the one chosen now.
 */
public final class PeerPath {
  /** Told when the chosen real address changes. Called on the event loop. */
  public interface Observer {
    void pathChanged(PeerPath path, InetSocketAddress previous, InetSocketAddress current);
  }

  public final InetSocketAddress virtualAddress;
  private final CopyOnWriteArrayList<InetSocketAddress> candidates = new CopyOnWriteArrayList<>();
  private final CopyOnWriteArrayList<Observer> observers = new CopyOnWriteArrayList<>();
  public final AtomicInteger users = new AtomicInteger();

  /** Connections this peer dialled to us over this path (their packets go to the server codec). */
  public final AtomicInteger accepted = new AtomicInteger();

  private volatile long resetCandidateNanos;
  private volatile long initialSeenNanos;

  /** Null until a candidate answers: until then every candidate gets each packet. */
  private volatile InetSocketAddress current;

  public volatile long lastActivityNanos = System.nanoTime();

  /** Packets sent to each real address, for diagnostics and tests. */
  private final java.util.concurrent.ConcurrentHashMap<
          InetSocketAddress, java.util.concurrent.atomic.LongAdder>
      sent = new java.util.concurrent.ConcurrentHashMap<>();

  public void countSent(InetSocketAddress address) {
    sent.computeIfAbsent(address, a -> new java.util.concurrent.atomic.LongAdder()).increment();
  }

  public long packetsSentTo(InetSocketAddress address) {
    java.util.concurrent.atomic.LongAdder n = sent.get(address);
    return n == null ? 0 : n.sum();
  }

  public PeerPath(InetSocketAddress virtualAddress, List<InetSocketAddress> candidates) {
    this.virtualAddress = virtualAddress;
    this.candidates.addAllAbsent(candidates);
  }

  public List<InetSocketAddress> candidates() {
    return candidates;
  }

  public boolean addCandidate(InetSocketAddress address) {
    return candidates.addIfAbsent(address);
  }

  public InetSocketAddress current() {
    return current;
  }

  public PathType type() {
    return PathType.DIRECT;
  }

  /** Chooses where packets go from now on; observers hear of it if it changed. */
  public void select(InetSocketAddress address) {
    InetSocketAddress previous = current;
    if (address.equals(previous)) {
      return;
    }
    addCandidate(address);
    current = address;
    for (Observer o : observers) {
      o.pathChanged(this, previous, address);
    }
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
    return at != 0 && System.nanoTime() - at < java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
  }

  /** A packet that may be a stateless reset for our dialled connections arrived. */
  public void resetCandidate() {
    resetCandidateNanos = System.nanoTime() | 1;
  }

  /** True if a possible stateless reset arrived within the last second. */
  public boolean resetSeen() {
    long at = resetCandidateNanos;
    return at != 0 && System.nanoTime() - at < java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
  }

  public void addObserver(Observer observer) {
    observers.add(observer);
  }

  public void removeObserver(Observer observer) {
    observers.remove(observer);
  }

  @Override
  public String toString() {
    InetSocketAddress c = current;
    return "PeerPath[" + virtualAddress + " -> " + (c == null ? candidates : c) + "]";
  }
}
