package dev.p2p.testkit.lab;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Child process for the lab's own test: from one socket, asks each reflector given how it sees us
 * and prints {@code LOCAL ip:port}, then {@code SEEN dest -> ip:port} (or {@code -> none}) per
 * destination, then {@code DONE}. Every wait is bounded (1 s per try, 3 tries).
 */
public final class UdpMappingProbe {
  public static void main(String[] args) throws Exception {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(0))) {
      s.setSoTimeout(1000);
      System.out.println("LOCAL " + s.getLocalPort());
      for (String a : args) {
        int colon = a.lastIndexOf(':');
        InetSocketAddress dest =
            new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
        String seen = "none";
        for (int attempt = 0; attempt < 3 && seen.equals("none"); attempt++) {
          s.send(new DatagramPacket(new byte[] {1}, 1, dest));
          DatagramPacket p = new DatagramPacket(new byte[200], 200);
          try {
            do {
              s.receive(p);
            } while (!p.getSocketAddress().equals(dest));
            seen = new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII);
          } catch (SocketTimeoutException e) {
            // try again
          }
        }
        System.out.println("SEEN " + a + " -> " + seen);
      }
      System.out.println("DONE");
    }
  }
}
