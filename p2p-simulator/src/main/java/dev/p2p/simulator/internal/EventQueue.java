package dev.p2p.simulator.internal;

import java.util.Arrays;

/** A binary min-heap of events ordered by (time, seq). Hand-rolled to avoid comparator calls. */
final class EventQueue {
  private Event[] heap = new Event[1024];
  private int size;
  private long nextSeq;

  void add(Event e, long time) {
    e.time = time;
    e.seq = nextSeq++;
    if (size == heap.length) {
      heap = Arrays.copyOf(heap, size * 2);
    }
    int i = size++;
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      Event p = heap[parent];
      if (!before(e, p)) {
        break;
      }
      heap[i] = p;
      i = parent;
    }
    heap[i] = e;
  }

  Event peek() {
    return size == 0 ? null : heap[0];
  }

  Event poll() {
    if (size == 0) {
      return null;
    }
    Event top = heap[0];
    Event last = heap[--size];
    heap[size] = null;
    if (size > 0) {
      int i = 0;
      int half = size >>> 1;
      while (i < half) {
        int child = 2 * i + 1;
        Event c = heap[child];
        int right = child + 1;
        if (right < size && before(heap[right], c)) {
          child = right;
          c = heap[child];
        }
        if (!before(c, last)) {
          break;
        }
        heap[i] = c;
        i = child;
      }
      heap[i] = last;
    }
    if (heap.length > 4096 && size < heap.length / 8) {
      heap = Arrays.copyOf(heap, heap.length / 2); // keep the heap bounded after a burst
    }
    return top;
  }

  int size() {
    return size;
  }

  void clear() {
    Arrays.fill(heap, 0, size, null);
    size = 0;
  }

  private static boolean before(Event a, Event b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
}
