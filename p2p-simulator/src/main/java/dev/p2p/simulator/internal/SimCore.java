package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.PathType;
import dev.p2p.simulator.LinkConditions;
import java.util.List;

/**
 * The simulated network: the wire between peers on top of the {@link SimClock}. It decides each
 * packet's fate (loss, delay, queueing, duplication) and records what happens in the trace; who is
 * on the network and how they are linked is the {@link SimTopology}. All state is guarded by the
 * clock's lock.
 */
public final class SimCore extends SimClock {
  static final int FATE_DELIVERED = 0;
  static final int FATE_LOST = 1;
  static final int FATE_DUPLICATED = 2;
  static final int FATE_APP = 3;

  final SimSettings settings;
  final SimRandom random;
  private final TraceRecorder trace;
  private final LinkTable links;
  final SimTopology topology;

  public SimCore(SimSettings settings) {
    super(settings.realTime());
    this.settings = settings;
    this.random = new SimRandom(settings.seed());
    this.trace = new TraceRecorder(settings.traceCapacity());
    this.links = new LinkTable(settings.defaultLink());
    this.topology = new SimTopology(this, links);
    startClock();
  }

  public SimSettings settings() {
    return settings;
  }

  public SimTopology topology() {
    return topology;
  }

  @Override
  void shutDownPeers() {
    topology.shutDownAll(new ConnectionClosedException("the simulated network was closed"));
  }

  // ---- the wire ------------------------------------------------------------------------------

  /**
   * Puts a packet on the link from its sender to its receiver: decides loss, delay, queueing,
   * duplication. Returns the fate for the sender's counters.
   */
  int transmit(Packet p, PathType path) {
    PeerSlot from = p.from;
    PeerSlot to = p.to;
    LinkConditions c = links.conditions(from, to);
    long size = p.wireSize();
    long now = now();
    long departure = links.departure(from, to, size, now, c.bandwidthBitsPerSecond());
    if (links.isCut(from, to) || random.chance(c.loss())) {
      record(p, FATE_LOST, -1);
      return FATE_LOST;
    }
    long arrival = departure + delay(c, path);
    scheduleAt(p, arrival);
    int fate = FATE_DELIVERED;
    if (random.chance(c.duplicate())) {
      Packet copy = p.copy();
      scheduleAt(copy, departure + delay(c, path));
      fate = FATE_DUPLICATED;
    }
    wakeDriver();
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

  // ---- the trace -----------------------------------------------------------------------------

  private void record(Packet p, int fate, long arrival) {
    trace.packet(now(), p, fate, arrival);
  }

  /** Records a message handed to the application. */
  void recordDelivery(PeerSlot at, int atIndex, long connectionId, long seq, int size) {
    trace.delivery(now(), at, atIndex, connectionId, seq, size);
  }

  boolean logging() {
    return trace.logging();
  }

  void log(String line) {
    if (trace.logging()) {
      trace.log(format(now()) + " " + line);
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
}
