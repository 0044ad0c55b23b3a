package dev.p2p.simulator.internal;

import dev.p2p.simulator.LinkConditions;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Per-direction link state between peer slots: conditions that override the default, cuts made by
 * partitions, and when a bandwidth-limited link is next free. Guarded by the network lock.
 */
final class LinkTable {
  private final LinkConditions defaultLink;
  private final Map<Long, LinkConditions> overrides = new HashMap<>();
  private final Set<Long> cut = new HashSet<>();
  private final Map<Long, long[]> busyUntil = new HashMap<>();

  LinkTable(LinkConditions defaultLink) {
    this.defaultLink = defaultLink;
  }

  private static long key(PeerSlot from, PeerSlot to) {
    return ((long) from.index << 32) | (to.index & 0xffffffffL);
  }

  LinkConditions conditions(PeerSlot from, PeerSlot to) {
    if (overrides.isEmpty()) {
      return defaultLink; // the common case; spares a boxed map lookup per packet
    }
    LinkConditions c = overrides.get(key(from, to));
    return c != null ? c : defaultLink;
  }

  void set(PeerSlot from, PeerSlot to, LinkConditions conditions) {
    overrides.put(key(from, to), conditions);
  }

  void cut(PeerSlot from, PeerSlot to) {
    if (from != to) {
      cut.add(key(from, to));
    }
  }

  void restore(PeerSlot from, PeerSlot to) {
    cut.remove(key(from, to));
  }

  void restoreAll() {
    cut.clear();
  }

  boolean isCut(PeerSlot from, PeerSlot to) {
    return !cut.isEmpty() && cut.contains(key(from, to));
  }

  /**
   * Reserves the link for a packet of {@code bytes} sent at {@code now}; returns when its last bit
   * leaves. Packets queue behind each other on a bandwidth-limited link.
   */
  long departure(PeerSlot from, PeerSlot to, long bytes, long now, long bitsPerSecond) {
    if (bitsPerSecond <= 0) {
      return now;
    }
    long[] busy = busyUntil.computeIfAbsent(key(from, to), k -> new long[1]);
    busy[0] = Math.max(now, busy[0]) + (bytes * 8 * 1_000_000_000L) / bitsPerSecond;
    return busy[0];
  }
}
