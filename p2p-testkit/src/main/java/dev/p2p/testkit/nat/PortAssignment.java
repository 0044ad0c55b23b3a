package dev.p2p.testkit.nat;

/** How a new mapping's public port is chosen. */
public enum PortAssignment {
  /** The internal port if free (as Linux masquerade does), else the next free one. */
  PRESERVE,
  /** The next free port after the last one given. */
  SEQUENTIAL,
  /** A random free port (seeded, so a run can be repeated). */
  RANDOM
}
