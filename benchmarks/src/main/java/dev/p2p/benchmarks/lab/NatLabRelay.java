package dev.p2p.benchmarks.lab;

import dev.p2p.relay.RelayServer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child JVM in the lab's relay namespace: one relay per address in {@code args}, port 3340, STUN
 * on 3478. Two relays at two addresses give a provider two STUN destinations, which is how it tells
 * a NAT that maps per destination (EDM) from one that does not. Prints {@code RELAY <url>} per
 * relay; exits when its standard input closes.
 */
public final class NatLabRelay {
  private NatLabRelay() {}

  public static void main(String[] args) throws Exception {
    List<RelayServer> relays = new ArrayList<>();
    try {
      for (String address : args) {
        RelayServer r =
            RelayServer.builder().host(address).port(3340).stunPort(3478).build().start();
        relays.add(r);
        System.out.println("RELAY " + r.url());
      }
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the benchmark ends, however it ends
      }
    } finally {
      relays.forEach(RelayServer::close);
    }
  }
}
