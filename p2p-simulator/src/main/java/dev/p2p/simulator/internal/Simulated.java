package dev.p2p.simulator.internal;

import dev.p2p.api.P2PConnection;
import dev.p2p.simulator.SimCounters;

/** Reaches into simulator connections for the public facade. */
public final class Simulated {
  private Simulated() {}

  public static boolean isSimulated(P2PConnection connection) {
    return connection instanceof SimConnection;
  }

  public static SimCounters counters(P2PConnection connection) {
    if (connection instanceof SimConnection c) {
      return c.counters();
    }
    throw new IllegalArgumentException("not a simulator connection: " + connection);
  }
}
