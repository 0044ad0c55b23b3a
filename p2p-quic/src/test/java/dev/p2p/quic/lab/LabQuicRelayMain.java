package dev.p2p.quic.lab;

import dev.p2p.relay.RelayServer;

/**
 * Child process in the lab's relay namespace: a RelayServer on {@code args[0]} (its address) at
 * port 3340 with STUN on 3478. Prints {@code RELAY url}, then {@code READY}; exits when its
 * standard input closes (the test ended, however).
 */
public final class LabQuicRelayMain {
  public static void main(String[] args) throws Exception {
    try (RelayServer r =
        RelayServer.builder().host(args[0]).port(3340).stunPort(3478).build().start()) {
      System.out.println("RELAY " + r.url());
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() >= 0) {
        // until end of input
      }
    }
  }
}
