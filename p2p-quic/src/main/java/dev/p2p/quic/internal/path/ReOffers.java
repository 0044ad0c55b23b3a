package dev.p2p.quic.internal.path;

import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Offers our candidates again when they change after a connection's offer went out: STUN sees a new
 * reflexive address (our NAT mapped the socket anew, e.g. after a rebinding that the peer's
 * filtering hides from it), so the peer can punch towards it. Paced and bounded per connection: at
 * most one re-offer every {@link #MIN_GAP_NANOS}, at most {@link #MAX_PER_CONNECTION} in all.
 * Event-loop confined but for {@link #end}.
 */
final class ReOffers {
  static final long MIN_GAP_NANOS = TimeUnit.SECONDS.toNanos(5);
  static final int MAX_PER_CONNECTION = 16;

  private static final class Connection {
    final PeerPath path;
    final Runnable offer;
    long generation;
    long lastNanos;
    int sent;

    Connection(PeerPath path, Runnable offer) {
      this.path = path;
      this.offer = offer;
    }
  }

  private final Map<Object, Connection> connections = new ConcurrentHashMap<>();
  private List<InetSocketAddress> seen = List.of();
  private long generation;
  private long reOffers;

  /**
   * An offer for {@code key}'s connection on {@code path} carrying the {@code reflexive} addresses
   * went out; {@code offer} sends a fresh one.
   */
  void offered(
      Object key, PeerPath path, Runnable offer, List<InetSocketAddress> reflexive, long now) {
    if (!reflexive.equals(seen)) {
      seen = reflexive;
      generation++;
    }
    Connection c = connections.computeIfAbsent(key, k -> new Connection(path, offer));
    c.generation = generation;
    c.lastNanos = now;
  }

  /** {@code key}'s connection is gone. Any thread. */
  void end(Object key) {
    connections.remove(key);
  }

  /** Re-offers to every connection whose offer is older than {@code reflexive}, if due. */
  void tick(List<InetSocketAddress> reflexive, PeerPaths paths, long now) {
    if (!reflexive.equals(seen)) {
      seen = reflexive;
      generation++;
    }
    for (Iterator<Connection> it = connections.values().iterator(); it.hasNext(); ) {
      Connection c = it.next();
      if (paths.byVirtual(c.path.virtualAddress) != c.path || c.sent >= MAX_PER_CONNECTION) {
        it.remove();
        continue;
      }
      if (c.generation < generation && now - c.lastNanos >= MIN_GAP_NANOS) {
        c.generation = generation;
        c.lastNanos = now;
        c.sent++;
        reOffers++;
        c.offer.run();
      }
    }
  }

  /** Re-offers sent so far, over all connections. */
  long reOffers() {
    return reOffers;
  }
}
