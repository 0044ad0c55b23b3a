package dev.p2p.quic.lab;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.QuicP2PProvider;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Child process for a bulk transfer over a lab path, with the provider's default settings:
 *
 * <ul>
 *   <li>{@code listen <host:port>}: prints {@code TICKET <ticket>}, receives messages until one of
 *       length 1, checks each one's pattern and prints {@code GOT <messages> <bytes>}.
 *   <li>{@code send <ticket> <messages>}: connects and sends that many 64 KiB messages, then the
 *       one-byte end; prints {@code SENT} once the listener has them all.
 * </ul>
 */
public final class LabQuicBulkMain {
  static final int SIZE = 64 * 1024;

  public static void main(String[] args) throws Exception {
    QuicP2PProvider p =
        QuicP2PProvider.create(P2PConfig.builder().build(), Ed25519Identity.generate());
    try {
      if (args[0].equals("listen")) {
        P2PListener l = p.listen(args[1]).get(20, TimeUnit.SECONDS);
        out("TICKET " + l.peerAddress().toTicket());
        P2PConnection c = l.accept().get(60, TimeUnit.SECONDS);
        long messages = 0;
        long bytes = 0;
        while (true) {
          byte[] m = c.recv().get(60, TimeUnit.SECONDS);
          if (m.length == 1) {
            break;
          }
          if (!Arrays.equals(m, message(messages))) {
            out("CORRUPT " + messages);
            return;
          }
          messages++;
          bytes += m.length;
        }
        out("GOT " + messages + " " + bytes);
        c.close();
        c.closeFuture().get(30, TimeUnit.SECONDS);
      } else {
        P2PConnection c = p.connect(PeerAddress.parseTicket(args[1])).get(20, TimeUnit.SECONDS);
        long count = Long.parseLong(args[2]);
        for (long i = 0; i < count; i++) {
          c.send(message(i)).get(60, TimeUnit.SECONDS);
        }
        c.send(new byte[1]).get(60, TimeUnit.SECONDS);
        c.closeFuture().get(60, TimeUnit.SECONDS);
        out("SENT");
      }
    } catch (Exception e) {
      out("FAILED " + e.toString().replace('\n', ' '));
    } finally {
      p.close();
      System.exit(0);
    }
  }

  static byte[] message(long index) {
    byte[] m = new byte[SIZE];
    Arrays.fill(m, (byte) index);
    m[0] = (byte) (index >> 24);
    m[1] = (byte) (index >> 16);
    m[2] = (byte) (index >> 8);
    return m;
  }

  private static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
