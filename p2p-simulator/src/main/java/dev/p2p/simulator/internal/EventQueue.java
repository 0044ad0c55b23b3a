package dev.p2p.simulator.internal;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * A binary min-heap of events ordered by (time, seq). Hand-rolled to avoid comparator calls, and
 * because each event knows its heap slot, a timer that is no longer needed can be taken out instead
 * of firing for nothing.
 *
 * <p>Events due at the instant being run (a coalesced acknowledgement, a completion handed on) skip
 * the heap: they go to a first-in-first-out lane, and peek and poll merge the lane with the heap by
 * (time, seq), so they come out in exactly the order the heap would give, without sifting to the
 * root and back.
 */
final class EventQueue {
  private Event[] heap = new Event[1024];
  private int size;
  private long nextSeq;
  private final ArrayDeque<Event> lane = new ArrayDeque<>();
  private long laneTime = Long.MIN_VALUE; // the time of the last event taken out

  /** Queues {@code e} at {@code time}; an event can be queued once at a time. */
  void add(Event e, long time) {
    if (e.heapIndex != Event.NOT_QUEUED) {
      throw new IllegalStateException("event already queued: " + e);
    }
    e.time = time;
    e.seq = nextSeq++;
    // The lane holds events of one time in scheduling order, so it stays sorted; peek and poll
    // merge it with the heap by (time, seq), which keeps the order exact whatever is added.
    if (time == laneTime && (lane.isEmpty() || lane.peekFirst().time == time)) {
      e.heapIndex = Event.IN_LANE;
      lane.add(e);
      return;
    }
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    siftUp(size++, e);
  }

  Event peek() {
    Event first = lane.peekFirst();
    if (first != null && (size == 0 || before(first, heap[0]))) {
      return first;
    }
    return size == 0 ? null : heap[0];
  }

  Event poll() {
    Event first = lane.peekFirst();
    if (first != null && (size == 0 || before(first, heap[0]))) {
      lane.pollFirst();
      first.heapIndex = Event.NOT_QUEUED;
      return first;
    }
    if (size == 0) {
      return null;
    }
    Event top = heap[0];
    removeAt(0);
    laneTime = top.time;
    return top;
  }

  /** Takes {@code e} out of the queue; false if it was not queued. */
  boolean remove(Event e) {
    if (e.heapIndex == Event.IN_LANE) {
      lane.removeFirstOccurrence(e);
      e.heapIndex = Event.NOT_QUEUED;
      return true;
    }
    int i = e.heapIndex;
    if (i < 0 || i >= size || heap[i] != e) {
      return false;
    }
    removeAt(i);
    return true;
  }

  private void removeAt(int i) {
    Event removed = heap[i];
    removed.heapIndex = Event.NOT_QUEUED;
    Event last = heap[--size];
    heap[size] = null;
    if (i < size) {
      siftDown(i, last);
      if (heap[i] == last) {
        siftUp(i, last);
      }
    }
    if (heap.length > 4096 && size < heap.length / 8) {
      heap = Arrays.copyOf(heap, heap.length / 2); // keep the heap bounded after a burst
    }
  }

  private void siftUp(int i, Event e) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Event p = heap[parent];
      if (!before(e, p)) {
        break;
      }
      heap[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    heap[i] = e;
    e.heapIndex = i;
  }

  private void siftDown(int i, Event e) {
    int half = size >>> 1;
    while (i < half) {
      int child = 2 * i + 1;
      Event c = heap[child];
      int right = child + 1;
      if (right < size && before(heap[right], c)) {
        child = right;
        c = heap[child];
      }
      if (!before(c, e)) {
        break;
      }
      heap[i] = c;
      c.heapIndex = i;
      i = child;
    }
    heap[i] = e;
    e.heapIndex = i;
  }

  int size() {
    return size + lane.size();
  }

  void clear() {
    for (int i = 0; i < size; i++) {
      heap[i].heapIndex = Event.NOT_QUEUED;
      heap[i] = null;
    }
    size = 0;
    for (Event e : lane) {
      e.heapIndex = Event.NOT_QUEUED;
    }
    lane.clear();
  }

  private static boolean before(Event a, Event b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
}
