package dev.p2p.simulator.internal;

/**
 * The only place the simulator reads the wall clock. Deterministic networks never create one;
 * real-time networks use it to let virtual time follow real time.
 */
final class WallClock {
  private final long origin = System.nanoTime();

  /** Nanoseconds since this clock was made. */
  long elapsedNanos() {
    return System.nanoTime() - origin;
  }
}
