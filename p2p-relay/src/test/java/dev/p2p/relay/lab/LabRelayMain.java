package dev.p2p.relay.lab;

import dev.p2p.relay.RelayServer;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process in the lab's relay namespace: one RelayServer per {@code ip:stunPort} argument.
 * Prints {@code STUN ip:port} for each, then {@code READY}; exits when its standard input closes
 * (the test ended, however).
 */
public final class LabRelayMain {
  public static void main(String[] args) throws Exception {
    List<RelayServer> relays = new ArrayList<>();
    try {
      for (String a : args) {
        int colon = a.lastIndexOf(':');
        RelayServer r =
            RelayServer.builder()
                .host(a.substring(0, colon))
                .port(0)
                .stunPort(Integer.parseInt(a.substring(colon + 1)))
                .build()
                .start();
        relays.add(r);
        System.out.println("STUN " + r.stunAddress().orElseThrow());
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
