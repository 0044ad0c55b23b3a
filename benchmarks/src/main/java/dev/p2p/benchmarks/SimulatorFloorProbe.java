package dev.p2p.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The floor under {@link SimulatorScaleHarness}: the least work any single-threaded virtual-time
 * simulation of the same workload can do per message on this machine, so the simulator's figure can
 * be read against what the hardware allows rather than against zero.
 *
 * <p>Same shape as the harness's {@code neighbours} workload: N peers, 8 fixed neighbours each, one
 * message per peer per virtual second over 30 ms ± 10 ms links, each message a data event and an
 * acknowledgement event. Everything a real simulator adds is left out: no objects per packet, no
 * retransmission timer, no payload, no trace, no API. Events sit in a primitive-array heap and each
 * connection end is one cache line of a {@code long[]}. With {@code futures}, each delivery also
 * completes the receiver's pending {@link CompletableFuture} whose callback asks for the next one,
 * which is the least an application reading through {@code P2PConnection.recv()} costs.
 *
 * <p>Run: {@code java -XX:+UseParallelGC -Xmx6g -cp benchmarks/target/benchmarks.jar
 * dev.p2p.benchmarks.SimulatorFloorProbe [peers] [virtual-seconds] [plain|futures]}
 */
public final class SimulatorFloorProbe {
  private static final int NEIGHBOURS = 8;
  private static final int LINE = 8; // longs per connection end: one 64-byte line
  private static final long SECOND = 1_000_000_000L;
  private static final int TICK = 0;
  private static final int DATA = 1;
  private static final int ACK = 2;

  // The event heap: (time, order) keys and the event, packed as kind << 28 | index.
  private long[] times = new long[1 << 14];
  private long[] orders = new long[1 << 14];
  private int[] events = new int[1 << 14];
  private int size;
  private long nextOrder;

  private final int peers;
  private final long[] ends; // per end: sent, received, unacked, last sent, smoothed RTT
  private final int[] otherEnd;
  private final int[] neighbourEnds; // per peer, NEIGHBOURS outgoing ends
  private final CompletableFuture<byte[]>[] readers;
  private final SplittableRandom random = new SplittableRandom(7);
  private long delivered;
  private long eventsRun;

  @SuppressWarnings("unchecked")
  private SimulatorFloorProbe(int peers, boolean futures) {
    this.peers = peers;
    int endCount = peers * NEIGHBOURS * 2;
    ends = new long[endCount * LINE];
    otherEnd = new int[endCount];
    neighbourEnds = new int[peers * NEIGHBOURS];
    for (int p = 0, e = 0; p < peers; p++) {
      for (int j = 0; j < NEIGHBOURS; j++, e += 2) {
        otherEnd[e] = e + 1;
        otherEnd[e + 1] = e;
        neighbourEnds[p * NEIGHBOURS + j] = e;
      }
    }
    readers = futures ? new CompletableFuture[endCount] : null;
    if (futures) {
      for (int e = 0; e < endCount; e++) {
        new Reader(e).next();
      }
    }
  }

  /** What an application's read loop holds: one per connection end. */
  private final class Reader implements Consumer<byte[]> {
    private final int end;

    Reader(int end) {
      this.end = end;
    }

    void next() {
      CompletableFuture<byte[]> f = new CompletableFuture<>();
      readers[end] = f;
      f.thenAccept(this);
    }

    @Override
    public void accept(byte[] message) {
      delivered++;
      next();
    }
  }

  private void run(long virtualSeconds) {
    for (int p = 0; p < peers; p++) {
      add(random.nextInt(1000) * 1_000_000L, TICK, p);
    }
    long end = virtualSeconds * SECOND;
    while (size > 0 && times[0] <= end) {
      long now = times[0];
      int event = events[0];
      removeTop();
      eventsRun++;
      int index = event & 0x0fffffff;
      switch (event >>> 28) {
        case TICK -> {
          int e = neighbourEnds[index * NEIGHBOURS + random.nextInt(NEIGHBOURS)];
          int at = e * LINE;
          ends[at]++;
          ends[at + 2]++;
          ends[at + 3] = now;
          add(now + linkDelay(), DATA, otherEnd[e]);
          add(now + SECOND, TICK, index);
        }
        case DATA -> {
          ends[index * LINE + 1]++;
          if (readers != null) {
            readers[index].complete(new byte[64]);
          } else {
            delivered++;
          }
          add(now + linkDelay(), ACK, otherEnd[index]);
        }
        default -> {
          int at = index * LINE;
          ends[at + 2]--;
          ends[at + 4] = (7 * ends[at + 4] + now - ends[at + 3]) / 8;
        }
      }
    }
  }

  private long linkDelay() {
    return 30_000_000L + random.nextLong(10_000_001L);
  }

  private void add(long time, int kind, int index) {
    if (size == times.length) {
      times = Arrays.copyOf(times, size * 2);
      orders = Arrays.copyOf(orders, size * 2);
      events = Arrays.copyOf(events, size * 2);
    }
    long order = nextOrder++;
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (!before(time, order, parent)) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    times[i] = time;
    orders[i] = order;
    events[i] = kind << 28 | index;
  }

  private void removeTop() {
    int last = --size;
    long time = times[last];
    long order = orders[last];
    int event = events[last];
    int i = 0;
    while (2 * i + 1 < size) {
      int child = 2 * i + 1;
      if (child + 1 < size && before(times[child + 1], orders[child + 1], child)) {
        child++;
      }
      if (before(time, order, child)) {
        break;
      }
      move(child, i);
      i = child;
    }
    times[i] = time;
    orders[i] = order;
    events[i] = event;
  }

  private boolean before(long time, long order, int slot) {
    return time < times[slot] || (time == times[slot] && order < orders[slot]);
  }

  private void move(int from, int to) {
    times[to] = times[from];
    orders[to] = orders[from];
    events[to] = events[from];
  }

  public static void main(String[] args) {
    int peers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 300;
    boolean futures = args.length > 2 && args[2].equals("futures");
    SimulatorFloorProbe probe = new SimulatorFloorProbe(peers, futures);
    long start = System.nanoTime();
    probe.run(seconds);
    double wall = (System.nanoTime() - start) / 1e9;
    double perMessage = wall * 1e6 / probe.delivered;
    System.out.printf(
        "%d peers, %s: %,d messages in %.2f s, %.3f us per message, %.2f events/message;"
            + " at that rate the virtual hour's %,d messages take %.0f s%n",
        peers,
        futures ? "futures" : "plain",
        probe.delivered,
        wall,
        perMessage,
        (double) probe.eventsRun / probe.delivered,
        peers * 3600L,
        peers * 3600L * perMessage / 1e6);
  }
}
