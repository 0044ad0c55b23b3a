package dev.p2p.benchmarks.lab;

import dev.p2p.relay.RelayServer;

/**
 * A child JVM in the lab's relay namespace: a relay on {@code args[0]} (its address), port 3340,
 * STUN on 3478. Prints {@code RELAY <url>}; exits when its standard input closes.
 */
public final class NatLabRelay {
  private NatLabRelay() {}

  public static void main(String[] args) throws Exception {
    try (RelayServer r =
        RelayServer.builder().host(args[0]).port(3340).stunPort(3478).build().start()) {
      System.out.println("RELAY " + r.url());
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the benchmark ends, however it ends
      }
    }
  }
}
