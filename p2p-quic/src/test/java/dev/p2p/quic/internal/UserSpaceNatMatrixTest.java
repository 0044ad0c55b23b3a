package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import dev.p2p.testkit.nat.LoopbackNat;
import dev.p2p.testkit.nat.NatConfig;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The QUIC provider's hole punching behind in-process NATs of all five RFC kinds, on both sides:
 * each provider's socket sits behind a {@link LoopbackNat} (real UDP sockets on loopback, RFC 4787
 * mapping and filtering, mapping timeouts) through {@link NatInterposer}, or is open. Every ordered
 * pairing (dialler x listener) dials by peer id alone through in-process relays (two, so STUN at
 * two destinations tells each side its NAT's mapping behaviour), so it starts relayed; the peers
 * swap candidates over the relayed connection and punch. The final path on both sides must be the
 * one {@link #EXPECTED} names, and the connection must work on it. All 25 pairings run at once, so
 * the matrix takes seconds.
 *
 * <p>Addresses: private sides in 127.1/16 (unreachable except through their NAT), NAT public
 * addresses in 127.2/16, open hosts in 127.3/16, the relays at 127.0.0.1 and 127.0.0.2.
 */
@ExtendWith(NettyLeakCheck.class)
class UserSpaceNatMatrixTest {
  enum Kind {
    OPEN(null),
    FULL_CONE(NatConfig::fullCone),
    RESTRICTED_CONE(NatConfig::restrictedCone),
    PORT_RESTRICTED(NatConfig::portRestrictedCone),
    SYMMETRIC(NatConfig::symmetric);

    final Function<InetAddress, NatConfig> config;

    Kind(Function<InetAddress, NatConfig> config) {
      this.config = config;
    }
  }

  /**
   * The expected final path, D (direct) or R (relayed), row = dialler, column = listener, in {@link
   * Kind} order; the README's NAT table. The two EIM x EDM cells (PORT_RESTRICTED x SYMMETRIC and
   * back) are direct by birthday probing, its extra sockets behind their own interposers.
   */
  static final Map<Kind, String> EXPECTED =
      Map.of(
          //                    open  full  restr port  sym
          Kind.OPEN, /*       */ "D     D     D     D     D",
          Kind.FULL_CONE, /*  */ "D     D     D     D     D",
          Kind.RESTRICTED_CONE, "D     D     D     D     D",
          Kind.PORT_RESTRICTED, "D     D     D     D     D",
          Kind.SYMMETRIC, /*  */ "D     D     D     D     R");

  static PathType expected(Kind dialler, Kind listener) {
    String cell = EXPECTED.get(dialler).split("\\s+")[listener.ordinal()];
    return cell.equals("D") ? PathType.DIRECT : PathType.RELAYED;
  }

  /** How long a direct pairing may take to get there (on a 2-vCPU machine with 25 at once). */
  private static final long DIRECT_WITHIN_MS = 20_000;

  /**
   * How long a relayed pairing is watched: longer than the offer's wait for STUN (1.5 s) plus the
   * paced punching after it (4 s), so every punch the pairing makes is over.
   */
  private static final long RELAYED_FOR_MS = 7_000;

  private record Result(
      Kind dialler,
      Kind listener,
      PathType first,
      PathType fin,
      PathType peerFin,
      long connectMs,
      long directMs,
      String error) {}

  private static InetAddress ip(String s) {
    return NatRebindingTest.ip(s);
  }

  @Test
  void everyPairingConnectsAndEndsWhereTheTableSays() throws Exception {
    long start = System.nanoTime();
    List<AutoCloseable> closing = new ArrayList<>();
    Map<String, Result> results = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(25);
    // Two relays, so two STUN destinations: each side can tell its NAT's mapping behaviour, which
    // birthday probing needs (EIM x EDM).
    try (RelayServer relay =
            RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start();
        RelayServer relay2 =
            RelayServer.builder().host("127.0.0.2").port(0).stunPort(0).build().start();
        AutoCloseable sides = () -> closeAll(closing, pool)) {
      P2PConfig config =
          P2PConfig.builder().set("P2P_RELAY_SERVERS", relay.url() + "," + relay2.url()).build();
      List<Future<?>> runs = new ArrayList<>();
      int side = 0;
      for (Kind d : Kind.values()) {
        for (Kind l : Kind.values()) {
          int di = ++side;
          int li = ++side;
          runs.add(
              pool.submit(
                  () -> {
                    Result r = pairing(config, d, di, l, li, closing);
                    results.put(d + " x " + l, r);
                  }));
        }
      }
      for (Future<?> f : runs) {
        f.get(120, TimeUnit.SECONDS);
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      StringBuilder table =
          new StringBuilder(
              "QUIC punching behind user-space NATs (dialler x listener; ms from connect()):\n");
      table.append(
          String.format(
              "%-16s x %-16s : %-8s %-8s %-8s %-8s %8s %8s%n",
              "dialler", "listener", "want", "final", "listener", "first", "connect", "direct"));
      List<String> problems = new ArrayList<>();
      for (Kind d : Kind.values()) {
        for (Kind l : Kind.values()) {
          Result r = results.get(d + " x " + l);
          PathType want = expected(d, l);
          table.append(
              String.format(
                  "%-16s x %-16s : %-8s %-8s %-8s %-8s %8s %8s%s%n",
                  d,
                  l,
                  want,
                  r.fin(),
                  r.peerFin(),
                  r.first(),
                  r.connectMs() < 0 ? "-" : r.connectMs(),
                  r.directMs() < 0 ? "-" : r.directMs(),
                  r.error() == null ? "" : "  " + r.error()));
          // The first path is shown, not asserted: punching may finish before connect() returns.
          if (r.error() != null || r.fin() != want || r.peerFin() != want) {
            problems.add(d + " x " + l + " wanted " + want + ": " + r);
          }
        }
      }
      table.append("matrix: 25 pairings in ").append(elapsedMs).append(" ms\n");
      System.out.print(table);
      assertEquals(List.of(), problems, table.toString());
    }
  }

  private static void closeAll(List<AutoCloseable> closing, ExecutorService pool) throws Exception {
    try {
      // Fifty providers, each closing gracefully: all at once, then the NATs behind them.
      List<java.util.concurrent.CompletableFuture<Void>> closes = new ArrayList<>();
      for (AutoCloseable c : closing) {
        if (c instanceof QuicP2PProvider p) {
          closes.add(java.util.concurrent.CompletableFuture.runAsync(p::close, pool));
        }
      }
      for (java.util.concurrent.CompletableFuture<Void> f : closes) {
        f.get(30, TimeUnit.SECONDS);
      }
      for (AutoCloseable c : closing) {
        if (c instanceof LoopbackNat nat) {
          nat.close();
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private static Result pairing(
      P2PConfig config, Kind d, int di, Kind l, int li, List<AutoCloseable> closing) {
    try {
      QuicP2PProvider dialler = side(config, d, di, closing);
      QuicP2PProvider listener = side(config, l, li, closing);
      P2PListener acceptor = listener.listen(bindFor(l, li)).get(20, TimeUnit.SECONDS);
      dialler.listen(bindFor(d, di)).get(20, TimeUnit.SECONDS).close();
      long t0 = System.nanoTime();
      P2PConnection c =
          dialler.connect(PeerAddress.of(listener.localPeerId())).get(20, TimeUnit.SECONDS);
      long connected = System.nanoTime();
      P2PConnection s = acceptor.accept().get(20, TimeUnit.SECONDS);
      PathType first = c.path().type();
      echo(c, s, "first");
      long directAt = -1;
      if (expected(d, l) == PathType.DIRECT) {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DIRECT_WITHIN_MS);
        while (System.nanoTime() < end
            && (c.path().type() != PathType.DIRECT || s.path().type() != PathType.DIRECT)) {
          Thread.sleep(10);
        }
        if (c.path().type() == PathType.DIRECT && s.path().type() == PathType.DIRECT) {
          directAt = ms(System.nanoTime() - t0);
        }
      } else {
        long end = connected + TimeUnit.MILLISECONDS.toNanos(RELAYED_FOR_MS);
        while (System.nanoTime() < end
            && c.path().type() == PathType.RELAYED
            && s.path().type() == PathType.RELAYED) {
          Thread.sleep(10);
        }
      }
      echo(c, s, "last"); // the final path carries traffic both ways
      return new Result(
          d, l, first, c.path().type(), s.path().type(), ms(connected - t0), directAt, null);
    } catch (Exception | AssertionError e) {
      return new Result(d, l, null, null, null, -1, -1, e.toString());
    }
  }

  private static void echo(P2PConnection c, P2PConnection s, String text) throws Exception {
    byte[] m = text.getBytes(StandardCharsets.UTF_8);
    c.send(m).get(10, TimeUnit.SECONDS);
    s.send(s.recv().get(10, TimeUnit.SECONDS)).get(10, TimeUnit.SECONDS);
    String back = new String(c.recv().get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
    if (!back.equals(text)) {
      throw new AssertionError("echo " + text + " came back as " + back);
    }
  }

  private static String bindFor(Kind kind, int index) {
    return (kind == Kind.OPEN ? "127.3.0." : "127.1.0.") + index + ":0";
  }

  private static QuicP2PProvider side(
      P2PConfig config, Kind kind, int index, List<AutoCloseable> closing) {
    QuicP2PProvider p = QuicP2PProvider.create(config, Ed25519Identity.generate());
    synchronized (closing) {
      closing.add(0, p); // providers close before their NATs
    }
    if (kind.config != null) {
      // Ports below Linux's ephemeral range, so the NATs' real sockets do not collide with the
      // machine's own. Birthday odds are those of 1024..65535: the spray is a uniform random set
      // of those ports, so it misses 256 mapped ports with the same probability wherever they lie.
      LoopbackNat nat =
          new LoopbackNat(
              kind.config.apply(ip("127.2.0." + index)).withPortRange(20000, 29999),
              LoopbackNat.loopbackSubnet(1));
      synchronized (closing) {
        closing.add(nat);
      }
      NatInterposer.install(p, nat);
    }
    return p;
  }

  private static long ms(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(nanos);
  }
}
