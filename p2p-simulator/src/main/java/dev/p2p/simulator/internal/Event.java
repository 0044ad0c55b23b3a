package dev.p2p.simulator.internal;

/**
 * Something that happens at a virtual instant. Events at the same instant run in the order they
 * were scheduled ({@link #seq}), which is what makes a run reproducible.
 */
public abstract class Event {
  long time;
  long seq;

  static final int NOT_QUEUED = -1;
  static final int IN_LANE = -2;

  /**
   * Where the event sits in the {@link EventQueue}: a heap slot or a wheel position, tagged with
   * which ({@link EventHeap#INDEX_MASK}); {@link #NOT_QUEUED}, or {@link #IN_LANE} while it waits
   * in the queue's lane for the current instant.
   */
  int heapIndex = NOT_QUEUED;

  /**
   * Loads, before the event runs, the cold state running it will touch, and returns something read
   * from it (so the compiler keeps the loads). The queue calls it for every event of a bucket at
   * once, about a millisecond of virtual time ahead: loads of independent events overlap, where
   * running them one by one waits for each miss in turn.
   */
  long prefetch() {
    return 0;
  }

  /** Runs the event on the simulation thread, with the network lock held. */
  protected abstract void run();

  boolean queued() {
    return heapIndex != NOT_QUEUED;
  }
}
