package dev.p2p.simulator.internal;

import java.util.Arrays;

/**
 * A binary min-heap of events ordered by (time, seq). The keys live in primitive arrays beside the
 * events, so sifting compares contiguous longs instead of chasing event objects across the heap: in
 * the 10,000-peer benchmark most new packets sift up a dozen levels, and the pointer chasing was
 * the largest single cost.
 */
final class EventQueue {
  private static final int INITIAL = 1024;

  private Event[] events = new Event[INITIAL];
  private long[] times = new long[INITIAL];
  private long[] seqs = new long[INITIAL];
  private int size;
  private long nextSeq;

  void add(Event e, long time) {
    long seq = nextSeq++;
    e.time = time;
    e.seq = seq;
    if (size == events.length) {
      resize(size * 2);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      long pt = times[parent];
      if (pt < time || (pt == time && seqs[parent] < seq)) {
        break;
      }
      move(parent, i);
      i = parent;
    }
    set(i, e, time, seq);
  }

  Event peek() {
    return size == 0 ? null : events[0];
  }

  Event poll() {
    if (size == 0) {
      return null;
    }
    Event top = events[0];
    int last = --size;
    Event moving = events[last];
    long time = times[last];
    long seq = seqs[last];
    events[last] = null;
    if (size > 0) {
      int i = 0;
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        int right = child + 1;
        if (right < size && before(right, child)) {
          child = right;
        }
        long ct = times[child];
        if (time < ct || (time == ct && seq < seqs[child])) {
          break;
        }
        move(child, i);
        i = child;
      }
      set(i, moving, time, seq);
    }
    if (events.length > 4 * INITIAL && size < events.length / 8) {
      resize(events.length / 2); // keep the heap bounded after a burst
    }
    return top;
  }

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(events, 0, size, null);
    size = 0;
  }

  private boolean before(int a, int b) {
    return times[a] < times[b] || (times[a] == times[b] && seqs[a] < seqs[b]);
  }

  private void move(int from, int to) {
    events[to] = events[from];
    times[to] = times[from];
    seqs[to] = seqs[from];
  }

  private void set(int i, Event e, long time, long seq) {
    events[i] = e;
    times[i] = time;
    seqs[i] = seq;
  }

  private void resize(int capacity) {
    events = Arrays.copyOf(events, capacity);
    times = Arrays.copyOf(times, capacity);
    seqs = Arrays.copyOf(seqs, capacity);
  }
}
