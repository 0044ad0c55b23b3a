package dev.p2p.simulator.internal;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The events to run, in (time, seq) order: a calendar queue. Time is cut into buckets of about a
 * millisecond; the events of the bucket being run sit in a small heap ({@code near}), those of the
 * next two seconds in a wheel of unsorted buckets, later ones in a second heap ({@code far}). An
 * event enters a wheel bucket in constant time and is sorted only when its bucket comes up, in a
 * heap of that bucket's few events. With one heap of every event, each packet sifted through a
 * dozen levels of cold events on the way in and out; that was half the cost of a message at 10,000
 * peers (benchmarks/RESULTS.md). The order is exactly the heap's, so a seed replays the same run.
 *
 * <p>Each event knows where it sits ({@link Event#heapIndex}: a heap slot or a wheel position,
 * tagged), so a timer that is no longer needed is taken out instead of firing for nothing.
 *
 * <p>Events due at the instant being run (a coalesced acknowledgement, a completion handed on) skip
 * even the near heap: they go to a first-in-first-out lane, and peek and poll merge the lane with
 * the rest by (time, seq), so they come out in exactly the order a heap would give.
 */
final class EventQueue {
  private static final int BUCKET_SHIFT = 20; // 1.05 ms of virtual time
  private static final int WHEEL_BUCKETS = 1 << 11; // 2.1 s ahead
  private static final int WHEEL_MASK = WHEEL_BUCKETS - 1;
  private static final int NEAR = 0;
  private static final int IN_WHEEL = 1 << 29;
  private static final int FAR = 2 << 29;
  private static final int LARGE_BUCKET = 256;

  /** Every event in a bucket up to {@link #cursor}. */
  private final EventHeap near = new EventHeap(NEAR);

  /** Buckets after {@link #cursor} and before {@code cursor + WHEEL_BUCKETS}, unsorted. */
  private final Event[][] wheel = new Event[WHEEL_BUCKETS][];

  private final int[] wheelCounts = new int[WHEEL_BUCKETS];
  private int inWheel;

  /** Buckets from {@code cursor + WHEEL_BUCKETS} on. */
  private final EventHeap far = new EventHeap(FAR);

  private long cursor;
  private long prefetched; // written so the loads of Event#prefetch are kept
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
    // merge it with the rest by (time, seq), which keeps the order exact whatever is added.
    if (time == laneTime && (lane.isEmpty() || lane.peekFirst().time == time)) {
      e.heapIndex = Event.IN_LANE;
      lane.add(e);
      return;
    }
    place(e);
  }

  private void place(Event e) {
    long bucket = e.time >> BUCKET_SHIFT;
    if (bucket <= cursor) {
      near.add(e);
    } else if (bucket - cursor < WHEEL_BUCKETS) {
      int b = (int) bucket & WHEEL_MASK;
      Event[] events = wheel[b];
      int n = wheelCounts[b];
      if (events == null) {
        events = wheel[b] = new Event[8];
      } else if (n == events.length) {
        events = wheel[b] = Arrays.copyOf(events, 2 * n);
      }
      events[n] = e;
      e.heapIndex = IN_WHEEL | n;
      wheelCounts[b] = n + 1;
      inWheel++;
    } else {
      far.add(e);
    }
  }

  Event peek() {
    Event first = lane.peekFirst();
    Event next = nextOutsideLane();
    if (first != null && (next == null || before(first, next))) {
      return first;
    }
    return next;
  }

  Event poll() {
    Event first = lane.peekFirst();
    Event next = nextOutsideLane();
    if (first != null && (next == null || before(first, next))) {
      lane.pollFirst();
      first.heapIndex = Event.NOT_QUEUED;
      return first;
    }
    if (next == null) {
      return null;
    }
    near.poll();
    laneTime = next.time;
    return next;
  }

  /** The first event of the near heap, after moving the cursor on to a bucket if it was empty. */
  private Event nextOutsideLane() {
    while (near.size() == 0) {
      if (inWheel == 0) {
        if (far.size() == 0) {
          return null;
        }
        cursor = far.firstTime() >> BUCKET_SHIFT; // nothing in between: jump
      } else {
        cursor++;
      }
      while (far.size() > 0 && (far.firstTime() >> BUCKET_SHIFT) - cursor < WHEEL_BUCKETS) {
        place(far.poll()); // its bucket came into the wheel's reach
      }
      drainBucket((int) cursor & WHEEL_MASK);
    }
    return near.peek();
  }

  /** Moves the wheel bucket the cursor reached into the near heap. */
  private void drainBucket(int b) {
    int n = wheelCounts[b];
    if (n == 0) {
      return;
    }
    Event[] events = wheel[b];
    // Two passes: the events' own lines first, all at once, then what each will touch, all at
    // once. In one pass a scheduled task's chain (the task, then the connection it named) was two
    // misses in turn per event, and the loop overlapped few of them.
    for (int i = 0; i < n; i++) {
      Event e = events[i];
      e.heapIndex = Event.NOT_QUEUED;
      near.add(e);
    }
    long touched = 0;
    for (int i = 0; i < n; i++) {
      touched += events[i].prefetch();
      events[i] = null;
    }
    prefetched = touched;
    wheelCounts[b] = 0;
    inWheel -= n;
    if (events.length > LARGE_BUCKET) {
      wheel[b] = null; // a burst passed; do not keep its array
    }
  }

  /** Takes {@code e} out of the queue; false if it was not queued. */
  boolean remove(Event e) {
    int at = e.heapIndex;
    if (at == Event.IN_LANE) {
      lane.removeFirstOccurrence(e);
      e.heapIndex = Event.NOT_QUEUED;
      return true;
    }
    if (at < 0) {
      return false;
    }
    if ((at & ~EventHeap.INDEX_MASK) == IN_WHEEL) {
      int b = (int) (e.time >> BUCKET_SHIFT) & WHEEL_MASK;
      int i = at & EventHeap.INDEX_MASK;
      Event[] events = wheel[b];
      int last = wheelCounts[b] - 1;
      if (events == null || i > last || events[i] != e) {
        return false;
      }
      Event moved = events[last];
      events[i] = moved;
      moved.heapIndex = IN_WHEEL | i;
      events[last] = null;
      wheelCounts[b] = last;
      inWheel--;
      e.heapIndex = Event.NOT_QUEUED;
      return true;
    }
    EventHeap heap = near.holds(e) ? near : far.holds(e) ? far : null;
    if (heap == null) {
      return false;
    }
    heap.remove(e);
    return true;
  }

  int size() {
    return near.size() + inWheel + far.size() + lane.size();
  }

  void clear() {
    near.clear();
    far.clear();
    for (int b = 0; b < WHEEL_BUCKETS; b++) {
      Event[] events = wheel[b];
      for (int i = 0; i < wheelCounts[b]; i++) {
        events[i].heapIndex = Event.NOT_QUEUED;
      }
      wheel[b] = null;
      wheelCounts[b] = 0;
    }
    inWheel = 0;
    for (Event e : lane) {
      e.heapIndex = Event.NOT_QUEUED;
    }
    lane.clear();
  }

  private static boolean before(Event a, Event b) {
    return a.time < b.time || (a.time == b.time && a.seq < b.seq);
  }
}
