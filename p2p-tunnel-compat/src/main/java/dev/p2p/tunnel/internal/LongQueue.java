package dev.p2p.tunnel.internal;

import java.util.Arrays;

/**
 * A growable ring of primitive longs, used at both ends: one per connection's unacknowledged
 * message ends, where an {@code ArrayDeque<Long>} would box one value per message sent. Not
 * thread-safe.
 */
final class LongQueue {
  private long[] ring = new long[16];
  private int head;
  private int size;

  void addLast(long value) {
    if (size == ring.length) {
      grow();
    }
    ring[(head + size) & (ring.length - 1)] = value;
    size++;
  }

  /** The oldest value; only when not empty. */
  long peekFirst() {
    return ring[head];
  }

  void removeFirst() {
    head = (head + 1) & (ring.length - 1);
    size--;
  }

  void removeLast() {
    size--;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  void clear() {
    head = 0;
    size = 0;
  }

  private void grow() {
    long[] bigger = new long[ring.length * 2];
    int firstPart = Math.min(size, ring.length - head);
    System.arraycopy(ring, head, bigger, 0, firstPart);
    System.arraycopy(ring, 0, bigger, firstPart, size - firstPart);
    ring = bigger;
    head = 0;
  }

  @Override
  public String toString() {
    long[] values = new long[size];
    for (int i = 0; i < size; i++) {
      values[i] = ring[(head + i) & (ring.length - 1)];
    }
    return Arrays.toString(values);
  }
}
