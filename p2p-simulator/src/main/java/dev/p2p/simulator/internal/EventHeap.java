package dev.p2p.simulator.internal;

import java.util.Arrays;

/**
 * A binary min-heap of events by (time, seq) that keeps each event's keys beside it, in arrays of
 * its own. Sifting compares keys in those arrays instead of loading the events: at 10,000 peers the
 * events in a queue are cold, and a sift that read a dozen of them cost more than the rest of a
 * message (benchmarks/RESULTS.md). Each event knows its slot ({@link Event#heapIndex}, tagged with
 * which heap holds it), so a timer that is no longer needed can be taken out.
 */
final class EventHeap {
  static final int INDEX_MASK = (1 << 29) - 1;
  private static final int MIN_CAPACITY = 64;

  private final int tag;
  private Event[] events = new Event[MIN_CAPACITY];
  private long[] times = new long[MIN_CAPACITY];
  private long[] seqs = new long[MIN_CAPACITY];
  private int size;

  /** {@code tag}: the high bits this heap sets in the slot numbers it writes to its events. */
  EventHeap(int tag) {
    this.tag = tag;
  }

  int size() {
    return size;
  }

  /** The first event, or null. */
  Event peek() {
    return size == 0 ? null : events[0];
  }

  /** The time of the first event; the heap must not be empty. */
  long firstTime() {
    return times[0];
  }

  void add(Event e) {
    if (size == events.length) {
      resize(size * 2);
    }
    siftUp(size++, e, e.time, e.seq);
  }

  /** Takes out and returns the first event; the heap must not be empty. */
  Event poll() {
    Event top = events[0];
    removeAt(0);
    return top;
  }

  /** True if {@code e} sits in this heap. */
  boolean holds(Event e) {
    int at = e.heapIndex;
    if (at < 0 || (at & ~INDEX_MASK) != tag) {
      return false;
    }
    int i = at & INDEX_MASK;
    return i < size && events[i] == e;
  }

  /** Takes {@code e} out; it must be {@link #holds held}. */
  void remove(Event e) {
    removeAt(e.heapIndex & INDEX_MASK);
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      events[i].heapIndex = Event.NOT_QUEUED;
      events[i] = null;
    }
    size = 0;
    resize(MIN_CAPACITY);
  }

  private void removeAt(int i) {
    events[i].heapIndex = Event.NOT_QUEUED;
    int last = --size;
    Event moved = events[last];
    events[last] = null;
    if (i < last) {
      long t = times[last];
      long s = seqs[last];
      siftDown(i, moved, t, s);
      if (events[i] == moved) {
        siftUp(i, moved, t, s);
      }
    }
    if (events.length > 4096 && size < events.length / 8) {
      resize(events.length / 2); // stay bounded after a burst
    }
  }

  private void siftUp(int i, Event e, long t, long s) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      long pt = times[parent];
      if (t > pt || (t == pt && s > seqs[parent])) {
        break;
      }
      place(i, events[parent], pt, seqs[parent]);
      i = parent;
    }
    place(i, e, t, s);
  }

  private void siftDown(int i, Event e, long t, long s) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      int right = child + 1;
      if (right < size && before(right, child)) {
        child = right;
      }
      long ct = times[child];
      if (ct > t || (ct == t && seqs[child] > s)) {
        break;
      }
      place(i, events[child], ct, seqs[child]);
      i = child;
    }
    place(i, e, t, s);
  }

  private boolean before(int a, int b) {
    return times[a] < times[b] || (times[a] == times[b] && seqs[a] < seqs[b]);
  }

  private void place(int i, Event e, long t, long s) {
    events[i] = e;
    times[i] = t;
    seqs[i] = s;
    e.heapIndex = tag | i;
  }

  private void resize(int capacity) {
    events = Arrays.copyOf(events, capacity);
    times = Arrays.copyOf(times, capacity);
    seqs = Arrays.copyOf(seqs, capacity);
  }
}
