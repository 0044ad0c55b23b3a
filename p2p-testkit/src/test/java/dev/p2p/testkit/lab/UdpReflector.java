package dev.p2p.testkit.lab;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Child process for the lab's own test: answers every datagram on each {@code ip:port} given with
 * the text {@code ip:port} of its sender as seen here. Prints {@code READY}; exits when its
 * standard input closes (the test ended, however).
 */
public final class UdpReflector {
  public static void main(String[] args) throws Exception {
    List<DatagramSocket> sockets = new ArrayList<>();
    for (String a : args) {
      int colon = a.lastIndexOf(':');
      DatagramSocket s =
          new DatagramSocket(
              new InetSocketAddress(
                  a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
      sockets.add(s);
      Thread t = new Thread(() -> reflect(s), "reflect-" + a);
      t.setDaemon(true);
      t.start();
    }
    System.out.println("READY");
    System.out.flush();
    InputStream in = System.in;
    while (in.read() >= 0) {
      // wait for end of input
    }
    sockets.forEach(DatagramSocket::close);
  }

  private static void reflect(DatagramSocket s) {
    byte[] buf = new byte[1500];
    while (true) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        s.receive(p);
        InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
        byte[] seen =
            (from.getAddress().getHostAddress() + ":" + from.getPort())
                .getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(seen, seen.length, from));
      } catch (SocketException e) {
        return; // closed
      } catch (IOException e) {
        // one failed answer; keep serving
      }
    }
  }
}
