package dev.p2p.quic.lab;

import dev.p2p.relay.RelayServer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process in the lab's relay namespace: one RelayServer per address argument, at port 3340
 * with STUN on 3478 (two relays at two addresses are two STUN destinations, from which a provider
 * tells whether its NAT maps per destination). Prints {@code RELAY url} for each, then {@code
 * READY}; exits when its standard input closes (the test ended, however).
 */
public final class LabQuicRelayMain {
  public static void main(String[] args) throws Exception {
    List<RelayServer> relays = new ArrayList<>();
    try {
      for (String host : args) {
        RelayServer r = RelayServer.builder().host(host).port(3340).stunPort(3478).build().start();
        relays.add(r);
        System.out.println("RELAY " + r.url());
      }
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() >= 0) {
        // until end of input
      }
    } finally {
      relays.forEach(RelayServer::close);
    }
  }
}
