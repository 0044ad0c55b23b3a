package dev.p2p.simulator.internal;

/**
 * Something that happens at a virtual instant. Events at the same instant run in the order they
 * were scheduled ({@link #seq}), which is what makes a run reproducible.
 */
public abstract class Event {
  long time;
  long seq;

  /** Where the event sits in the {@link EventQueue}'s heap; -1 while it is not queued. */
  int heapIndex = -1;

  /** Runs the event on the simulation thread, with the network lock held. */
  protected abstract void run();

  boolean queued() {
    return heapIndex >= 0;
  }
}
