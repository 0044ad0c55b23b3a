package dev.p2p.quic.internal.path;

import dev.p2p.quic.internal.path.transports.RelayTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Chooses and re-chooses each peer's route, the way iroh and Tailscale do: start on whichever route
 * answers first (relay included); while on a direct address, probe it whenever it has been quiet
 * for a third of the path timeout and give it up for a relay once it has not answered for the whole
 * timeout; while relayed, probe the direct addresses every probe interval and move back as soon as
 * one answers; when the relay carrying a path goes away (or says the peer left), move to another
 * relay the peer is logged in to at once. Relayed probing backs off (doubling, up to {@link
 * #MAX_BACKOFF_SHIFT} doublings) while nothing answers. Event-loop confined.
 */
final class PathMonitor {
  private final PathLayerHandler layer;
  private final PeerPaths paths;
  private final PathPolicy policy;
  private final RelayTransport relays; // null: no relays
  private final long timeout;
  private final long probeInterval;
  private NatRebinding rebinding; // null: none

  PathMonitor(PathLayerHandler layer, PeerPaths paths, PathPolicy policy, RelayTransport relays) {
    this.layer = layer;
    this.paths = paths;
    this.policy = policy;
    this.relays = relays;
    this.timeout = policy.pathTimeout().toNanos();
    this.probeInterval = policy.probeInterval().toNanos();
  }

  void rebinding(NatRebinding r) {
    rebinding = r;
  }

  long tickMillis() {
    long t = TimeUnit.NANOSECONDS.toMillis(Math.min(timeout / 6, probeInterval / 2));
    return Math.max(20, Math.min(500, t));
  }

  /** Where an unconfirmed path's packets go: every direct address and every usable relay. */
  List<Route> unconfirmedRoutes(PeerPath p) {
    List<Route> routes = new ArrayList<>();
    if (!policy.relayOnly()) {
      for (InetSocketAddress a : p.candidates()) {
        routes.add(new Route.Direct(a));
      }
    }
    if (relays != null && p.relayDestination() != null) {
      for (URI r : p.relays()) {
        if (relays.isUp(r) && p.relayHasPeer(r)) {
          routes.add(new Route.Relayed(r));
        }
      }
    }
    return routes;
  }

  /** A packet of {@code p}'s peer arrived through {@code relay}. */
  void relayAnswered(PeerPath p, URI relay) {
    Route current = p.current();
    if (current == null) {
      p.select(new Route.Relayed(relay), "the peer answered through relay " + relay, false);
    } else if (current instanceof Route.Relayed r
        && !r.relay().equals(relay)
        && !relays.isUp(r.relay())) {
      p.select(new Route.Relayed(relay), "relay " + r.relay() + " is down", true);
    }
  }

  /** Switch between two working direct paths only for at least this much lower RTT (iroh: 5 ms). */
  static final long ANTI_FLAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  /** Relayed probing backs off to at most this many probe intervals between rounds. */
  static final int MAX_BACKOFF_SHIFT = 3;

  /**
   * An authenticated probe of a direct address came back after {@code rtt}: it works both ways. A
   * relayed (or not yet chosen) path moves to it; a direct path moves only to a clearly faster
   * address, so two similar paths never flap.
   */
  void directAnswered(PeerPath p, InetSocketAddress address, long now, long rtt) {
    directAnswered(p, new Route.Direct(address), now, rtt);
  }

  /**
   * As above, for a route that may leave from another socket of ours ({@link Route.Direct#via}).
   */
  void directAnswered(PeerPath p, Route.Direct route, long now, long rtt) {
    InetSocketAddress address = route.address();
    p.lastActivityNanos = now;
    p.directRttNanos.put(address, rtt);
    p.unansweredRounds = 0;
    Route current = p.current();
    if (policy.relayOnly()) {
      return;
    }
    if (rebinding != null
        && rebinding.confirmed(p, address, now)
        && rebound(p, address, now, rtt)) {
      return;
    }
    String why =
        "probe confirmed the direct path to "
            + address
            + " (rtt "
            + TimeUnit.NANOSECONDS.toMicros(rtt) / 1000.0
            + " ms)";
    if (current == null || current instanceof Route.Relayed) {
      p.lastDirectNanos = now;
      p.select(route, why, false);
    } else if (current instanceof Route.Direct d) {
      if (d.equals(route)) {
        p.lastDirectNanos = now;
        return;
      }
      Long currentRtt = p.directRttNanos.get(d.address());
      if (currentRtt != null && rtt + ANTI_FLAP_NANOS < currentRtt) {
        p.lastDirectNanos = now;
        p.select(route, why + ", faster than " + d.address(), false);
      }
    }
  }

  /**
   * A new address that QUIC packets of {@code p} came from answered our probe: the peer's NAT gave
   * it a new mapping. The path learns it, and a direct path moves there at once (the old mapping is
   * gone, so the anti-flap rule does not apply) and forgets the old address. True if it moved.
   */
  private boolean rebound(PeerPath p, InetSocketAddress address, long now, long rtt) {
    if (!(p.current() instanceof Route.Direct d) || d.address().equals(address)) {
      if (p.candidates().size() < PathTraversal.MAX_LEARNT) {
        paths.learnReal(address, p);
      }
      return false; // relayed or not chosen yet: the usual rules pick the route
    }
    p.lastDirectNanos = now;
    paths.forgetReal(d.address(), p);
    paths.learnReal(address, p);
    p.directRttNanos.put(address, rtt);
    p.select(
        new Route.Direct(address),
        "NAT rebinding: the peer's packets now come from "
            + address
            + " instead of "
            + d.address()
            + "; an authenticated probe confirmed it (rtt "
            + TimeUnit.NANOSECONDS.toMicros(rtt) / 1000.0
            + " ms)",
        false);
    return true;
  }

  /**
   * An authenticated ping of {@code p}'s peer came from {@code from}, an address {@code p} never
   * learnt, while its direct address has been quiet: the peer's NAT may have rebound. A pure
   * receiver behind that NAT sends nothing else once our packets stop reaching it (no
   * acknowledgements without data, a keep-alive only every 15 s), so its path layer's probe of a
   * quiet path is the first packet from the new mapping; it is judged like a QUIC packet from there
   * ({@link NatRebinding}: pinged, believed once it answers). True if taken as such a candidate.
   * Quiet means longer than a sixth of the path timeout (a working path hears a packet or a probe
   * answer at least every third): a peer with two working source addresses (its LAN and its NAT's)
   * does not move a busy path.
   */
  boolean pingedFromNewAddress(PeerPath p, InetSocketAddress from, long now) {
    if (rebinding == null
        || !(p.current() instanceof Route.Direct d)
        || d.address().equals(from)
        || now - p.lastDirectNanos <= timeout / 6) {
      return false;
    }
    rebinding.packetFrom(p, from, now);
    return true;
  }

  /** {@code relay} can no longer carry {@code p}: move it if it is on that relay. */
  void relayLost(PeerPath p, URI relay, String why) {
    if (!(p.current() instanceof Route.Relayed r) || !r.relay().equals(relay)) {
      return;
    }
    Route next = relayOtherThan(p, relay);
    if (next == null && !policy.relayOnly() && !p.candidates().isEmpty()) {
      next = new Route.Direct(p.candidates().get(0));
    }
    if (next != null) {
      p.select(next, why + "; now via " + next, true);
    }
  }

  /** Another relay the peer may be at: its own relays first, then any we are logged in to. */
  private Route relayOtherThan(PeerPath p, URI except) {
    if (relays == null || p.relayDestination() == null) {
      return null;
    }
    List<URI> options = new ArrayList<>(p.relays());
    options.addAll(relays.loggedIn());
    for (URI u : options) {
      if (!u.equals(except) && relays.isUp(u) && p.relayHasPeer(u)) {
        return new Route.Relayed(u);
      }
    }
    return null;
  }

  void tick(long now) {
    for (PeerPath p : List.copyOf(paths.all())) {
      if (!p.inUse()) {
        continue;
      }
      Route current = p.current();
      if (current instanceof Route.Direct d) {
        long silent = now - p.lastDirectNanos;
        if (silent > timeout) {
          Route relay = relayOtherThan(p, null);
          if (relay != null) {
            p.select(
                relay,
                "no answer on the direct path to "
                    + d.address()
                    + " for "
                    + TimeUnit.NANOSECONDS.toMillis(silent)
                    + " ms",
                true);
            p.lastProbeNanos = now;
            p.unansweredRounds = 0; // probe the direct path soon again, then back off
            layer.mayHaveRebound(now);
            continue;
          }
        }
        if (silent > timeout / 3 && now - p.lastProbeNanos > timeout / 3) {
          p.lastProbeNanos = now;
          layer.sendProbe(p, d);
        }
      } else if (current instanceof Route.Relayed r) {
        if (relays != null && (!relays.isUp(r.relay()) || !p.relayHasPeer(r.relay()))) {
          relayLost(p, r.relay(), "relay " + r.relay() + " cannot reach the peer");
        }
        long interval = probeInterval << Math.min(p.unansweredRounds, MAX_BACKOFF_SHIFT);
        if (!policy.relayOnly() && !p.candidates().isEmpty() && now - p.lastProbeNanos > interval) {
          p.lastProbeNanos = now;
          p.unansweredRounds++; // reset by an answer
          layer.mayHaveRebound(now); // our own NAT may have moved us: STUN (rate-limited)
          for (InetSocketAddress a : p.candidates()) {
            layer.sendProbe(p, new Route.Direct(a));
          }
        }
      }
    }
  }
}
