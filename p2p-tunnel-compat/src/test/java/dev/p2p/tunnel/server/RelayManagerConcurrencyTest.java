package dev.p2p.tunnel.server;

import static dev.p2p.tunnel.server.TestPeers.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.PeerId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Many threads create, look up, relay on and close connections at once; afterwards every counter
 * must agree with what the threads did.
 */
class RelayManagerConcurrencyTest {
  private static final int THREADS = 8;
  private static final int OPS = 20_000;
  private static final int PEERS = 12;

  @Test
  void countersAgreeAfterConcurrentUse() throws Exception {
    RelayManager relay = RelayManager.create();
    List<PeerId> peers = new ArrayList<>();
    for (int i = 0; i < PEERS; i++) {
      peers.add(peer(i));
    }
    // Per connection id: packets and bytes the threads recorded successfully.
    Map<Long, AtomicLong> packets = new ConcurrentHashMap<>();
    Map<Long, AtomicLong> bytes = new ConcurrentHashMap<>();
    AtomicLong totalPackets = new AtomicLong();
    AtomicLong totalBytes = new AtomicLong();
    AtomicLong closedByUs = new AtomicLong();
    Map<Long, Boolean> seenIds = new ConcurrentHashMap<>();
    CyclicBarrier start = new CyclicBarrier(THREADS);
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        long seed = t;
        done.add(
            pool.submit(
                () -> {
                  SplittableRandom random = new SplittableRandom(seed);
                  start.await(10, TimeUnit.SECONDS);
                  for (int i = 0; i < OPS; i++) {
                    PeerId x = peers.get(random.nextInt(PEERS));
                    PeerId y = peers.get(random.nextInt(PEERS));
                    ConnectionType type = ConnectionType.values()[random.nextInt(4)];
                    int roll = random.nextInt(100);
                    if (roll < 20) {
                      RelayConnection c = relay.createOrGetConnection(x, y, 1, type);
                      seenIds.put(c.id(), Boolean.TRUE);
                      assertTrue(c.involves(x) && c.involves(y));
                    } else if (roll < 85) {
                      relay
                          .findConnection(x, y, type)
                          .ifPresent(
                              c -> {
                                int size = 1 + random.nextInt(1500);
                                if (relay.recordPacketRelayed(c.id(), size)) {
                                  packets
                                      .computeIfAbsent(c.id(), k -> new AtomicLong())
                                      .incrementAndGet();
                                  bytes
                                      .computeIfAbsent(c.id(), k -> new AtomicLong())
                                      .addAndGet(size);
                                  totalPackets.incrementAndGet();
                                  totalBytes.addAndGet(size);
                                }
                              });
                    } else if (roll < 95) {
                      relay
                          .findConnection(x, y, type)
                          .ifPresent(
                              c -> {
                                relay.updateState(c.id(), RelayConnectionState.CONNECTED);
                                assertEquals(
                                    y.equals(x)
                                        ? x
                                        : (c.initiator().equals(x) ? c.target() : c.initiator()),
                                    relay.getDestinationPeer(c.id(), x).orElse(y));
                              });
                    } else {
                      relay
                          .findConnection(x, y, type)
                          .ifPresent(
                              c -> {
                                if (relay.closeConnection(c.id())) {
                                  closedByUs.incrementAndGet();
                                }
                              });
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    RelayStatistics stats = relay.getStatistics();
    assertEquals(totalPackets.get(), stats.totalPackets(), "total packets");
    assertEquals(totalBytes.get(), stats.totalBytes(), "total bytes");
    assertEquals(seenIds.size(), stats.connectionsCreated(), "every created id was seen once");
    assertEquals(closedByUs.get(), stats.connectionsClosed(), "closes");
    assertEquals(
        stats.connectionsCreated() - stats.connectionsClosed(),
        relay.getActiveConnectionCount(),
        "active = created - closed");
    assertEquals(stats.activeConnections(), relay.getActiveConnectionCount());
    // Per connection counters of the survivors match what was recorded for them.
    long sumPerPeer = 0;
    for (PeerId p : peers) {
      for (RelayConnection c : relay.getConnectionsForPeer(p)) {
        sumPerPeer++;
        assertEquals(
            packets.getOrDefault(c.id(), new AtomicLong()).get(), c.packetsRelayed(), "packets");
        assertEquals(bytes.getOrDefault(c.id(), new AtomicLong()).get(), c.bytesRelayed(), "bytes");
      }
    }
    // Each open connection is listed under both of its ends (once if both ends are the same).
    long expected = 0;
    for (PeerId p : peers) {
      for (RelayConnection c : relay.getConnectionsForPeer(p)) {
        expected += 1;
        assertTrue(c.involves(p));
      }
    }
    assertEquals(expected, sumPerPeer);
    long selfLoops = 0;
    long all = 0;
    for (long id : seenIds.keySet()) {
      var c = relay.getConnection(id);
      if (c.isPresent()) {
        all++;
        if (c.get().initiator().equals(c.get().target())) {
          selfLoops++;
        }
      }
    }
    assertEquals(relay.getActiveConnectionCount(), all);
    assertEquals(2 * all - selfLoops, sumPerPeer, "per-peer index matches the connections");
    relay.shutdown();
    assertEquals(0, relay.getActiveConnectionCount());
  }
}
