package dev.p2p.benchmarks;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerId;
import dev.p2p.simulator.LinkConditions;
import dev.p2p.simulator.SimNetwork;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * The simulator at scale: N peers (default 10,000), each sending one reliable message per virtual
 * second to a random peer, for a virtual duration (default one hour). Every message is read by its
 * receiver through {@code messages()} (push delivery, demand in batches of {@link #BATCH}). Prints
 * wall time and the live heap (after a GC) every few virtual minutes, so growth would show.
 *
 * <p>Two workloads: {@code uniform} draws the destination from all peers; each peer keeps its most
 * recent connections in a small LRU cache and closes the one it evicts, so nearly every message
 * pays a handshake and a close. {@code neighbours} draws it from a fixed random set of peers per
 * peer (an overlay, like a gossip network) over persistent connections, which the peer holds once
 * connected as an application would (no map lookup or future chain per message).
 *
 * <p>Run: {@code java -Xmx4g -cp benchmarks/target/benchmarks.jar
 * dev.p2p.benchmarks.SimulatorScaleHarness [peers] [virtual-seconds] [uniform|neighbours] [k]}
 */
public final class SimulatorScaleHarness {
  static final int BATCH = 64;
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  /** Every message's 64 bytes: {@code send} copies what it accepts, so the caller may reuse it. */
  private static final byte[] MESSAGE = new byte[64];

  private final SimNetwork net;
  private final List<Peer> peers = new ArrayList<>();
  private final Random random = new Random(7); // the harness's own choices, seeded
  private final int cacheSize;
  private final boolean uniform;
  private long sent;
  private long connects;
  private long received;
  private boolean stopping; // ticks stop sending, so what is in flight can land and be counted

  private SimulatorScaleHarness(int count, int cacheSize, boolean uniform) {
    this.cacheSize = cacheSize;
    this.uniform = uniform;
    this.net =
        SimNetwork.builder()
            .seed(1)
            .failureRate(0)
            .defaultLink(
                LinkConditions.PERFECT
                    .withLatency(Duration.ofMillis(30))
                    .withJitter(Duration.ofMillis(10)))
            .build();
    for (int i = 0; i < count; i++) {
      peers.add(new Peer(this, net.newPeer("p" + i)));
    }
  }

  /**
   * One simulated application. It is its own tick and holds its neighbours and their connections in
   * arrays made with it, so a tick walks few objects, which at 10,000 peers are out of cache.
   */
  private static final class Peer implements Runnable {
    // What a neighbour tick reads, first: the object's first line, which the simulator loads ahead
    // with the task. The connections are fields, not an array: at 10,000 peers an array is one more
    // cold object per tick.
    final SimulatorScaleHarness h;
    int next = -1; // the neighbour of the next tick, drawn one tick ahead
    P2PConnection link0, link1, link2, link3, link4, link5, link6, link7;
    final P2PProvider provider;
    final PeerId id;
    final Map<PeerId, CompletableFuture<P2PConnection>> cache;
    final Peer[] neighbours;
    final P2PConnection[] links; // only for more than 8 neighbours
    final CompletableFuture<P2PConnection>[] dials;
    boolean neighboursChosen;

    @SuppressWarnings("unchecked")
    Peer(SimulatorScaleHarness h, P2PProvider provider) {
      this.h = h;
      this.provider = provider;
      this.id = provider.localPeerId();
      this.neighbours = new Peer[h.cacheSize];
      this.links = h.cacheSize > 8 ? new P2PConnection[h.cacheSize] : null;
      this.dials = new CompletableFuture[h.cacheSize];
      this.cache =
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(
                Map.Entry<PeerId, CompletableFuture<P2PConnection>> eldest) {
              if (size() > h.cacheSize) {
                eldest.getValue().thenAccept(P2PConnection::close);
                return true;
              }
              return false;
            }
          };
    }

    void start() {
      P2PListener listener = h.net.await(provider.listen("any"));
      acceptLoop(listener);
      h.net.schedule(Duration.ofMillis(h.random.nextInt(1000)), this);
    }

    void acceptLoop(P2PListener listener) {
      listener
          .accept()
          .thenAccept(
              c -> {
                readLoop(c);
                acceptLoop(listener);
              });
    }

    void readLoop(P2PConnection c) {
      c.messages().subscribe(h.new Reader());
    }

    /**
     * The tick. A neighbour tick draws the next tick's neighbour now and tells the simulator which
     * connection that tick will use, so the simulator loads it ahead, as it does for the
     * connections its packets reach; the draw is a tick earlier than it was, so which neighbour
     * gets which message differs from the runs before this change (the same Random, the same number
     * of draws).
     */
    @Override
    public void run() {
      if (h.stopping) {
        return;
      }
      if (h.uniform) {
        sendTo(h.peers.get(h.random.nextInt(h.peers.size())));
        h.net.schedule(ONE_SECOND, this);
      } else {
        sendToNeighbour();
        next = h.random.nextInt(h.cacheSize);
        h.net.schedule(ONE_SECOND, link(next), this);
      }
    }

    P2PConnection link(int i) {
      return switch (i) {
        case 0 -> link0;
        case 1 -> link1;
        case 2 -> link2;
        case 3 -> link3;
        case 4 -> link4;
        case 5 -> link5;
        case 6 -> link6;
        case 7 -> link7;
        default -> links[i];
      };
    }

    void setLink(int i, P2PConnection c) {
      switch (i) {
        case 0 -> link0 = c;
        case 1 -> link1 = c;
        case 2 -> link2 = c;
        case 3 -> link3 = c;
        case 4 -> link4 = c;
        case 5 -> link5 = c;
        case 6 -> link6 = c;
        case 7 -> link7 = c;
        default -> links[i] = c;
      }
    }

    /** Through the LRU cache: a connection per recent destination. */
    private void sendTo(Peer target) {
      if (target == this) {
        return;
      }
      CompletableFuture<P2PConnection> c = cache.get(target.id);
      if (c == null || c.isCompletedExceptionally()) {
        c = provider.connect(target.id);
        h.connects++;
        cache.put(target.id, c);
      }
      h.sent++;
      c.thenAccept(conn -> conn.send(MESSAGE));
    }

    /** Over a persistent connection per neighbour, held as an application would hold it. */
    private void sendToNeighbour() {
      if (!neighboursChosen) {
        neighboursChosen = true; // on the first tick, as before: the same random draws
        for (int j = 0; j < neighbours.length; j++) {
          neighbours[j] = h.peers.get(h.random.nextInt(h.peers.size()));
        }
      }
      int i = next >= 0 ? next : h.random.nextInt(h.cacheSize);
      P2PConnection link = link(i);
      if (link != null) {
        h.sent++;
        link.send(MESSAGE);
        return;
      }
      Peer target = neighbours[i];
      if (target == this) {
        return;
      }
      h.sent++;
      if (dials[i] == null) {
        h.connects++;
        dials[i] = provider.connect(target.id);
        dials[i].thenAccept(conn -> setLink(i, conn));
      }
      dials[i].thenAccept(conn -> conn.send(MESSAGE));
    }
  }

  /** What an application's consumer holds per connection: its subscription and a count. */
  private final class Reader implements Flow.Subscriber<byte[]> {
    private Flow.Subscription subscription;
    private int unrequested;

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      s.request(BATCH);
    }

    @Override
    public void onNext(byte[] message) {
      received++;
      if (++unrequested == BATCH / 2) {
        unrequested = 0;
        subscription.request(BATCH / 2); // keep between 32 and 64 requested
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onComplete() {}
  }

  public static void main(String[] args) {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3600;
    boolean uniform = args.length <= 2 || args[2].equals("uniform");
    int cache = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long wallStart = System.nanoTime();
    SimulatorScaleHarness h = new SimulatorScaleHarness(count, cache, uniform);
    h.peers.forEach(Peer::start);
    long setup = System.nanoTime() - wallStart;
    System.out.printf(
        "%d peers set up in %.1f s; running %d virtual s, cache %d%n",
        count, setup / 1e9, seconds, cache);
    long runStart = System.nanoTime();
    long cpuStart = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    long processCpuStart = processCpuNanos();
    long sampling = 0; // wall time of the harness's own heap samples (a full GC each)
    long step = Math.max(1, seconds / 6);
    for (long t = 0; t < seconds; t += step) {
      h.net.runFor(Duration.ofSeconds(Math.min(step, seconds - t)));
      long gcStart = System.nanoTime();
      System.gc();
      sampling += System.nanoTime() - gcStart;
      System.out.printf(
          "virtual %5d s  wall %6.1f s  sent %,d  received %,d  events queued %,d  live heap %,d MB%n",
          t + Math.min(step, seconds - t),
          (System.nanoTime() - runStart) / 1e9,
          h.sent,
          h.received,
          h.net.pendingEvents(),
          memory.getHeapMemoryUsage().getUsed() >> 20);
    }
    double wall = (System.nanoTime() - runStart) / 1e9;
    // CPU time of the simulation thread: robust when other processes share the machine.
    double cpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpuStart) / 1e9;
    double processCpu = (processCpuNanos() - processCpuStart) / 1e9;
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf(
        "done: %,d messages sent, %,d received, %,d connections opened, %.1f s wall (%.0f messages/s),"
            + " %.1f s CPU of the simulation thread (%.0f messages/CPU-s), %.2f events/message%n",
        h.sent,
        h.received,
        h.connects,
        wall,
        h.received / wall,
        cpu,
        h.received / cpu,
        (double) h.net.eventsRun() / h.received);
    System.out.printf(
        "wall without the heap samples' full GCs %.1f s; process CPU (all threads) %.1f s;"
            + " peak heap used, garbage included, %,d MB%n",
        wall - sampling / 1e9, processCpu, peak >> 20);
    // Checked, not timed: every message sent is received once what is in flight has landed.
    h.stopping = true;
    h.net.runFor(Duration.ofSeconds(30));
    if (h.received != h.sent) {
      System.out.printf("FAILED: %,d messages sent but %,d received%n", h.sent, h.received);
      System.exit(1);
    }
    System.out.printf("checked: all %,d messages sent were received%n", h.sent);
  }

  private static long processCpuNanos() {
    return ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime()
        : -1;
  }
}
