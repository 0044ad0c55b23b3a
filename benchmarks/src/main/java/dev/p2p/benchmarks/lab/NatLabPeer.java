package dev.p2p.benchmarks.lab;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A child JVM on one side of the lab: one QUIC provider per attempt (its own socket, so its own NAT
 * mappings), through the public API ({@code P2P.open}, {@code P2P_IMPLEMENTATION=quic}) and logged
 * in to the relay {@code args[0]}. Commands on standard input, one attempt {@code k} at a time:
 *
 * <ul>
 *   <li>{@code LISTEN k}: a listening provider; prints {@code ID k <peer id>}; echoes messages.
 *   <li>{@code PREPARE k}: a dialling provider, bound and logged in (as an application's provider
 *       is before it connects); prints {@code PREPARED k}.
 *   <li>{@code DIAL k <peer id> <window ms>}: dials by peer id alone (so it starts on the relay),
 *       sends one message and awaits its echo; prints {@code AT k DIRECT} the moment the path turns
 *       direct, or {@code AT k WINDOW} when the window ends first, then {@code END k DIRECT|RELAYED
 *       connect=<ms> first=<ms> direct=<ms or -> path=<path>}, times from the {@code connect} call.
 *   <li>{@code CLOSE k}: closes that attempt's provider; prints {@code CLOSED k}.
 * </ul>
 *
 * Exits when standard input closes.
 */
public final class NatLabPeer {
  private static final Map<String, P2PProvider> providers = new ConcurrentHashMap<>();

  private NatLabPeer() {}

  public static void main(String[] args) throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set("P2P_IMPLEMENTATION", "quic")
            .set("P2P_RELAY_SERVERS", args[0])
            .build();
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = in.readLine()) != null) {
        String[] w = line.trim().split(" ");
        switch (w[0]) {
          case "LISTEN" -> listen(config, w[1]);
          case "PREPARE" -> {
            P2PProvider p = open(config, w[1]);
            p.listen("0.0.0.0:0").get(20, TimeUnit.SECONDS).close();
            out("PREPARED " + w[1]);
          }
          case "DIAL" -> {
            P2PProvider p = providers.get(w[1]);
            PeerId id = PeerId.parse(w[2]);
            long window = Long.parseLong(w[3]);
            new Thread(() -> dial(p, w[1], id, window), "dial-" + w[1]).start();
          }
          case "CLOSE" -> {
            P2PProvider p = providers.remove(w[1]);
            if (p != null) {
              p.close();
            }
            out("CLOSED " + w[1]);
          }
          default -> out("UNKNOWN " + line);
        }
      }
    } catch (Exception | Error e) {
      e.printStackTrace();
      System.err.flush();
    } finally {
      providers.values().forEach(P2PProvider::close);
      System.exit(0);
    }
  }

  private static P2PProvider open(P2PConfig config, String attempt) {
    P2PProvider p = P2P.open(config);
    providers.put(attempt, p);
    return p;
  }

  private static void listen(P2PConfig config, String attempt) throws Exception {
    P2PProvider p = open(config, attempt);
    P2PListener l = p.listen("0.0.0.0:0").get(20, TimeUnit.SECONDS);
    out("ID " + attempt + " " + p.localPeerId());
    new Thread(
            () -> {
              try {
                P2PConnection c = l.accept().get(60, TimeUnit.SECONDS);
                while (true) {
                  byte[] m = c.recv().get(120, TimeUnit.SECONDS);
                  c.send(m).get(10, TimeUnit.SECONDS);
                }
              } catch (Exception e) {
                // the attempt is over (its provider closed) or never came
              }
            },
            "listen-" + attempt)
        .start();
  }

  private static void dial(P2PProvider p, String attempt, PeerId id, long windowMs) {
    long t0 = System.nanoTime();
    AtomicLong direct = new AtomicLong(-1);
    CountDownLatch directNow = new CountDownLatch(1);
    ConnectionListener watch =
        new ConnectionListener() {
          @Override
          public void pathChanged(PathChangeEvent e) {
            if (e.current().type() == PathType.DIRECT && direct.compareAndSet(-1, now(t0))) {
              out("AT " + attempt + " DIRECT");
              directNow.countDown();
            }
          }
        };
    try {
      P2PConnection c = p.connect(PeerAddress.of(id)).get(20, TimeUnit.SECONDS);
      long connected = now(t0);
      c.addListener(watch);
      if (c.path().type() == PathType.DIRECT && direct.compareAndSet(-1, connected)) {
        out("AT " + attempt + " DIRECT");
        directNow.countDown();
      }
      c.send("first".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
      c.recv().get(10, TimeUnit.SECONDS);
      long first = now(t0);
      long left = windowMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      if (!directNow.await(Math.max(0, left), TimeUnit.MILLISECONDS)) {
        out("AT " + attempt + " WINDOW");
      }
      long d = direct.get();
      out(
          String.format(
              "END %s %s connect=%d first=%d direct=%s path=%s",
              attempt,
              d >= 0 ? "DIRECT" : "RELAYED",
              connected,
              first,
              d >= 0 ? Long.toString(d) : "-",
              c.path()));
    } catch (Exception e) {
      out("AT " + attempt + " FAILED");
      out("END " + attempt + " FAILED " + e.toString().replace('\n', ' '));
    }
  }

  private static long now(long t0) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
  }

  private static synchronized void out(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
