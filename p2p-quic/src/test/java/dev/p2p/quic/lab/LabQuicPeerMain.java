package dev.p2p.quic.lab;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.quic.internal.path.BirthdayStats;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child process on one side of the lab: QUIC providers (one per pairing, each with its own socket
 * and so its own NAT mappings) that log in to the relays {@code args[0]} (comma-separated URLs).
 * Commands on standard input:
 *
 * <ul>
 *   <li>{@code LISTEN p<i>}: a listening provider; prints {@code ID p<i> <peer id>}; echoes every
 *       message it receives, prefixed with its own path type and its birthday-probing figures.
 *   <li>{@code DIAL p<i> <peer id>}: dials by peer id alone (so the connection starts on the
 *       relay), sends a message, waits up to 15 s for a direct path (then up to 5 s for the
 *       listener's) and prints {@code RESULT p<i> DIRECT|RELAYED first=<path type> connect=<ms>
 *       msg=<ms> direct=<ms> peer=<its path type> bday=<ours> peerbday=<its> path=<path>}, the
 *       birthday figures as {@code attempts/successes/probes/sockets/cpu-ms-of-the-last-attempt}.
 *   <li>{@code FAILOVER p<i> <peer id>}: dials by peer id alone and exchanges numbered messages
 *       with the listener's echo, one at a time, until {@code END p<i>}; prints {@code PATH p<i>
 *       <path type>} at each change of the dialler's path, then {@code RESULT p<i> sent=<n>
 *       echoed=<n> ordered=<true|false> paths=<types in order>}.
 * </ul>
 *
 * Exits when standard input closes.
 */
public final class LabQuicPeerMain {
  private static final List<QuicP2PProvider> providers = new ArrayList<>();
  private static final java.util.Set<String> ended =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  public static void main(String[] args) throws Exception {
    // Birthday attempts (start, winner, end) in the side's log, quoted when a pairing fails.
    System.setProperty(
        "org.slf4j.simpleLogger.log.dev.p2p.quic.internal.path.BirthdayPunching", "debug");
    P2PConfig config = P2PConfig.builder().set("P2P_RELAY_SERVERS", args[0]).build();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.trim().split(" ");
        if (w[0].equals("LISTEN")) {
          listen(config, w[1]);
        } else if (w[0].equals("DIAL")) {
          QuicP2PProvider p = provider(config);
          PeerId id = PeerId.parse(w[2]);
          new Thread(() -> dial(p, w[1], id), "dial-" + w[1]).start();
        } else if (w[0].equals("FAILOVER")) {
          QuicP2PProvider p = provider(config);
          PeerId id = PeerId.parse(w[2]);
          new Thread(() -> failover(p, w[1], id), "failover-" + w[1]).start();
        } else if (w[0].equals("END")) {
          ended.add(w[1]);
        }
      }
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.err.flush();
    } finally {
      synchronized (providers) {
        providers.forEach(QuicP2PProvider::close);
      }
      System.exit(0);
    }
  }

  private static QuicP2PProvider provider(P2PConfig config) throws Exception {
    QuicP2PProvider p = QuicP2PProvider.create(config, Ed25519Identity.generate());
    synchronized (providers) {
      providers.add(p);
    }
    // Bind the socket and log in to the relay (its welcome starts STUN) before anything else.
    p.listen("0.0.0.0:0").get(20, TimeUnit.SECONDS).close();
    return p;
  }

  private static void listen(P2PConfig config, String pair) throws Exception {
    QuicP2PProvider p = QuicP2PProvider.create(config, Ed25519Identity.generate());
    synchronized (providers) {
      providers.add(p);
    }
    P2PListener l = p.listen("0.0.0.0:0").get(20, TimeUnit.SECONDS);
    out("ID " + pair + " " + p.localPeerId());
    new Thread(
            () -> {
              try {
                P2PConnection c = l.accept().get(60, TimeUnit.SECONDS);
                while (true) {
                  byte[] m = c.recv().get(60, TimeUnit.SECONDS);
                  String echo =
                      c.path().type()
                          + " "
                          + birthday(p)
                          + " "
                          + new String(m, StandardCharsets.UTF_8);
                  c.send(echo.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
                }
              } catch (Exception e) {
                // the connection ended (the test is over) or never came
              }
            },
            "listen-" + pair)
        .start();
  }

  private static void dial(QuicP2PProvider p, String pair, PeerId id) {
    try {
      long t0 = System.nanoTime();
      P2PConnection c = p.connect(PeerAddress.of(id)).get(20, TimeUnit.SECONDS);
      long connected = System.nanoTime();
      PathType first = c.path().type();
      c.send("first".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      c.recv().get(10, TimeUnit.SECONDS);
      long firstMessage = System.nanoTime();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
      while (c.path().type() != PathType.DIRECT && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      long direct = System.nanoTime();
      boolean isDirect = c.path().type() == PathType.DIRECT;
      // Messages over the final path, whose echoes name the listener's path: once ours is direct,
      // until the listener's is too (it confirms its side a round trip later, or less) or 5 s.
      String echo;
      long listenerDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (true) {
        c.send("last".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        echo = new String(c.recv().get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        if (!isDirect || echo.startsWith("DIRECT ") || System.nanoTime() > listenerDeadline) {
          break;
        }
        Thread.sleep(20);
      }
      out(
          String.format(
              "RESULT %s %s first=%s connect=%d msg=%d direct=%s peer=%s bday=%s peerbday=%s"
                  + " path=%s",
              pair,
              isDirect ? "DIRECT" : "RELAYED",
              first,
              ms(connected - t0),
              ms(firstMessage - t0),
              isDirect ? String.valueOf(ms(direct - t0)) : "-",
              echo.split(" ")[0],
              birthday(p),
              echo.split(" ")[1],
              c.path()));
    } catch (Exception e) {
      out("RESULT " + pair + " FAILED " + e.toString().replace('\n', ' '));
    }
  }

  private static void failover(QuicP2PProvider p, String pair, PeerId id) {
    try {
      P2PConnection c = p.connect(PeerAddress.of(id)).get(20, TimeUnit.SECONDS);
      List<PathType> paths = new ArrayList<>();
      long sent = 0;
      long echoed = 0;
      boolean ordered = true;
      while (!ended.contains(pair)) {
        PathType now = c.path().type();
        if (paths.isEmpty() || paths.get(paths.size() - 1) != now) {
          paths.add(now);
          out("PATH " + pair + " " + now);
        }
        String m = "m" + sent;
        c.send(m.getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
        sent++;
        // Waits out a failover: the message is retransmitted on the path QUIC moves to.
        String echo = new String(c.recv().get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        echoed++;
        ordered &= echo.endsWith(" " + m);
        Thread.sleep(5);
      }
      out(
          String.format(
              "RESULT %s sent=%d echoed=%d ordered=%s paths=%s",
              pair,
              sent,
              echoed,
              ordered,
              paths.stream().map(Enum::name).collect(java.util.stream.Collectors.joining(","))));
    } catch (Exception e) {
      out("RESULT " + pair + " FAILED " + e.toString().replace('\n', ' '));
    }
  }

  private static String birthday(QuicP2PProvider p) {
    BirthdayStats b = p.birthdayStats();
    return b.attempts()
        + "/"
        + b.successes()
        + "/"
        + b.probesSent()
        + "/"
        + b.socketsOpened()
        + "/"
        + (b.lastCpuNanos() < 0 ? "?" : String.valueOf(ms(b.lastCpuNanos())));
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }

  private static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
