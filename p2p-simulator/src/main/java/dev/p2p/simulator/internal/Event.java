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

  /** Runs the event on the simulation thread, with the network lock held. */
  protected abstract void run();

  boolean queued() {
    return heapIndex != NOT_QUEUED;
  }
}
