package dev.p2p.testkit.nat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A NAT as a pure state machine (RFC 4787 mapping and filtering, mapping timeouts), for in-process
 * NAT matrices: whoever moves datagrams between a socket and the "outside" (a simulator, an
 * in-memory network) asks it to translate each one. Time is the caller's (nanoseconds), so it runs
 * on virtual time; nothing here blocks or starts threads. Not thread-safe: one caller at a time.
 *
 * <p>Not modelled: hairpinning, ICMP, port-parity or contiguity rules, inbound refresh.
 */
public final class UserSpaceNat {
  private static final int SWEEP_EVERY = 4096;

  private final NatConfig config;
  private final long timeoutNanos;
  private final Random random;
  private final Map<Key, Mapping> byKey = new HashMap<>();
  private final Map<Integer, Mapping> byPort = new HashMap<>();
  private final Set<Integer> unusablePorts = new HashSet<>();
  private int lastPort;
  private int calls;

  /**
   * Which outbound packets share a mapping: dstAddress/dstPort are null/-1 where not part of it.
   */
  private record Key(InetSocketAddress internal, InetAddress dstAddress, int dstPort) {}

  private static final class Mapping {
    final Key key;
    final int publicPort;
    long lastOutbound;
    final Map<InetSocketAddress, Long> endpointsSentTo = new HashMap<>();
    final Map<InetAddress, Long> addressesSentTo = new HashMap<>();

    Mapping(Key key, int publicPort) {
      this.key = key;
      this.publicPort = publicPort;
    }
  }

  public UserSpaceNat(NatConfig config) {
    this.config = config;
    this.timeoutNanos = config.mappingTimeout().toNanos();
    this.random = new Random(config.seed());
    this.lastPort = config.portMax();
  }

  public NatConfig config() {
    return config;
  }

  /**
   * A datagram from {@code internal} (behind the NAT) to {@code destination}: the source it leaves
   * with, or empty if the NAT has no port left and drops it.
   */
  public Optional<InetSocketAddress> outbound(
      InetSocketAddress internal, InetSocketAddress destination, long now) {
    maybeSweep(now);
    Key key = key(internal, destination);
    Mapping m = byKey.get(key);
    if (m != null && expired(m.lastOutbound, now)) {
      remove(m);
      m = null;
    }
    if (m == null) {
      int port = allocate(internal.getPort(), now);
      if (port < 0) {
        return Optional.empty();
      }
      m = new Mapping(key, port);
      byKey.put(key, m);
      byPort.put(port, m);
    }
    m.lastOutbound = now;
    m.endpointsSentTo.put(destination, now);
    m.addressesSentTo.put(destination.getAddress(), now);
    if (m.endpointsSentTo.size() > 1024 && m.endpointsSentTo.size() % 1024 == 1) {
      prunePermissions(m, now); // keeps a host spraying probes from growing it without bound
    }
    return Optional.of(new InetSocketAddress(config.publicAddress(), m.publicPort));
  }

  /**
   * A datagram from {@code remote} to {@code publicDestination}: the internal endpoint it goes to,
   * or empty if the NAT drops it (not its address, no live mapping, or filtered).
   */
  public Optional<InetSocketAddress> inbound(
      InetSocketAddress remote, InetSocketAddress publicDestination, long now) {
    maybeSweep(now);
    if (!publicDestination.getAddress().equals(config.publicAddress())) {
      return Optional.empty();
    }
    Mapping m = byPort.get(publicDestination.getPort());
    if (m == null) {
      return Optional.empty();
    }
    if (expired(m.lastOutbound, now)) {
      remove(m);
      return Optional.empty();
    }
    Long permitted =
        switch (config.filtering()) {
          case ENDPOINT_INDEPENDENT -> m.lastOutbound;
          case ADDRESS_DEPENDENT -> m.addressesSentTo.get(remote.getAddress());
          case ADDRESS_AND_PORT_DEPENDENT -> m.endpointsSentTo.get(remote);
        };
    if (permitted == null || expired(permitted, now)) {
      return Optional.empty();
    }
    return Optional.of(m.key.internal());
  }

  /**
   * The NAT's host cannot use {@code port} (another socket holds it): the mapping on it is gone and
   * the port is never handed out again, as a router skips ports its own services hold. The next
   * outbound packet of that mapping gets another port.
   */
  public void portUnusable(int port) {
    unusablePorts.add(port);
    Mapping m = byPort.get(port);
    if (m != null) {
      remove(m);
    }
  }

  /** Mappings alive at {@code now}. */
  public int liveMappings(long now) {
    sweep(now);
    return byKey.size();
  }

  private Key key(InetSocketAddress internal, InetSocketAddress dst) {
    return switch (config.mapping()) {
      case ENDPOINT_INDEPENDENT -> new Key(internal, null, -1);
      case ADDRESS_DEPENDENT -> new Key(internal, dst.getAddress(), -1);
      case ADDRESS_AND_PORT_DEPENDENT -> new Key(internal, dst.getAddress(), dst.getPort());
    };
  }

  /**
   * The NAT reboots: every mapping is gone at once, and the next outbound packet gets a new one (on
   * a new port, unless the assignment preserves ports).
   */
  public void forgetMappings() {
    byKey.clear();
    byPort.clear();
  }

  private boolean expired(long last, long now) {
    return now - last >= timeoutNanos;
  }

  /** A free public port, or -1 if none (after dropping expired mappings). */
  private int allocate(int internalPort, long now) {
    int port = tryAllocate(internalPort, now);
    if (port < 0) {
      sweep(now);
      port = tryAllocate(internalPort, now);
    }
    if (port >= 0) {
      lastPort = port;
    }
    return port;
  }

  private int tryAllocate(int internalPort, long now) {
    int range = config.portMax() - config.portMin() + 1;
    if (config.ports() == PortAssignment.PRESERVE
        && internalPort >= config.portMin()
        && internalPort <= config.portMax()
        && free(internalPort, now)) {
      return internalPort;
    }
    int start =
        config.ports() == PortAssignment.RANDOM
            ? config.portMin() + random.nextInt(range)
            : config.portMin() + (lastPort + 1 - config.portMin()) % range;
    for (int i = 0; i < range; i++) {
      int p = config.portMin() + (start - config.portMin() + i) % range;
      if (free(p, now)) {
        return p;
      }
    }
    return -1;
  }

  private boolean free(int port, long now) {
    if (unusablePorts.contains(port)) {
      return false;
    }
    Mapping m = byPort.get(port);
    if (m != null && expired(m.lastOutbound, now)) {
      remove(m);
      return true;
    }
    return m == null;
  }

  private void remove(Mapping m) {
    byKey.remove(m.key);
    byPort.remove(m.publicPort);
  }

  private void maybeSweep(long now) {
    if (++calls % SWEEP_EVERY == 0) {
      sweep(now);
    }
  }

  private void sweep(long now) {
    for (Iterator<Mapping> it = byKey.values().iterator(); it.hasNext(); ) {
      Mapping m = it.next();
      if (expired(m.lastOutbound, now)) {
        it.remove();
        byPort.remove(m.publicPort);
      } else {
        prunePermissions(m, now);
      }
    }
  }

  private void prunePermissions(Mapping m, long now) {
    m.endpointsSentTo.values().removeIf(t -> expired(t, now));
    m.addressesSentTo.values().removeIf(t -> expired(t, now));
  }
}
