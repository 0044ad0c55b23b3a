package dev.p2p.testkit.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The kernel lab's plain-UDP punching (NatLabPunchTest in p2p-relay) in virtual time through
 * user-space NATs, for all five kinds: open, and RFC 3489's full, restricted and port-restricted
 * cones and symmetric. Linux masquerade is port-restricted (EIM), fully-random symmetric (EDM): the
 * lab's 3x3 table must be this table's corner.
 */
class PunchMatrixTest {
  private static final long MS = 1_000_000L;
  private static final InetSocketAddress STUN = new InetSocketAddress(ip("198.18.0.10"), 3478);

  enum Kind {
    OPEN(null),
    FULL_CONE(NatConfig::fullCone),
    RESTRICTED_CONE(NatConfig::restrictedCone),
    PORT_RESTRICTED_CONE(NatConfig::portRestrictedCone),
    SYMMETRIC(NatConfig::symmetric);

    final Function<InetAddress, NatConfig> config;

    Kind(Function<InetAddress, NatConfig> config) {
      this.config = config;
    }
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** One host behind its NAT (or none), running the lab agent's punching. */
  private static final class Side {
    final InetSocketAddress host;
    final UserSpaceNat nat;
    final Set<InetSocketAddress> targets = new LinkedHashSet<>();
    InetSocketAddress reflexive;
    boolean direct;

    Side(int index, Kind kind) {
      host = new InetSocketAddress(ip("198.19." + index + ".2"), 5000);
      nat =
          kind.config == null
              ? null
              : new UserSpaceNat(kind.config.apply(ip("198.18.0." + (20 + index))));
    }

    boolean owns(InetAddress a) {
      return nat == null ? host.getAddress().equals(a) : nat.config().publicAddress().equals(a);
    }
  }

  private final List<Side> sides = new ArrayList<>();

  /** Sends from {@code from}'s host to {@code to}; delivers at once (no loss, no delay). */
  private void send(Side from, InetSocketAddress to, String msg, long now) {
    InetSocketAddress src =
        from.nat == null ? from.host : from.nat.outbound(from.host, to, now).orElse(null);
    if (src == null) {
      return;
    }
    arrive(src, to, msg, now);
  }

  private void arrive(InetSocketAddress src, InetSocketAddress dst, String msg, long now) {
    for (Side s : sides) {
      if (!s.owns(dst.getAddress())) {
        continue;
      }
      InetSocketAddress internal = s.nat == null ? dst : s.nat.inbound(src, dst, now).orElse(null);
      if (internal == null || !internal.equals(s.host)) {
        return; // filtered, or no such socket
      }
      switch (msg) {
        case "PUNCH" -> {
          s.targets.add(src);
          send(s, src, "ACK", now);
        }
        case "ACK" -> s.direct = true;
        default -> throw new AssertionError(msg);
      }
    }
  }

  /** Both sides learn their reflexive address from STUN, then punch for 3 s (virtual). */
  private boolean punch(Kind a, Kind b) {
    sides.clear();
    Side sa = new Side(1, a);
    Side sb = new Side(2, b);
    sides.add(sa);
    sides.add(sb);
    for (Side s : sides) {
      InetSocketAddress src =
          s.nat == null ? s.host : s.nat.outbound(s.host, STUN, 0).orElseThrow();
      s.reflexive = src; // what the STUN server's answer carries
    }
    sa.targets.add(sb.reflexive);
    sb.targets.add(sa.reflexive);
    for (long t = MS; t <= 3000 * MS && !(sa.direct && sb.direct); t += 50 * MS) {
      for (Side s : sides) {
        for (InetSocketAddress target : new ArrayList<>(s.targets)) {
          send(s, target, "PUNCH", t);
        }
      }
    }
    return sa.direct && sb.direct;
  }

  /** Direct unless a symmetric NAT meets a port-restricted one or another symmetric one. */
  private static boolean expected(Kind a, Kind b) {
    if (a == Kind.OPEN || b == Kind.OPEN) {
      return true;
    }
    boolean sa = a == Kind.SYMMETRIC;
    boolean sb = b == Kind.SYMMETRIC;
    if (sa && sb) {
      return false;
    }
    if (!sa && !sb) {
      return true;
    }
    Kind cone = sa ? b : a;
    return cone != Kind.PORT_RESTRICTED_CONE;
  }

  @Test
  void everyPairingOfTheFiveKinds() {
    StringBuilder table = new StringBuilder(String.format("%-21s", ""));
    for (Kind b : Kind.values()) {
      table.append(String.format("%-21s", b));
    }
    table.append('\n');
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Kind a : Kind.values()) {
      table.append(String.format("%-21s", a));
      for (Kind b : Kind.values()) {
        boolean direct = punch(a, b);
        table.append(String.format("%-21s", direct ? "direct" : "relay"));
        if (direct != expected(a, b)) {
          problems.add(a + " x " + b + ": " + (direct ? "direct" : "relay"));
        }
        if (punch(b, a) != direct) {
          problems.add(a + " x " + b + " is not symmetric");
        }
        seen.add(a + "" + b);
      }
      table.append('\n');
    }
    System.out.print("plain UDP hole punching through user-space NATs:\n" + table);
    assertEquals(List.of(), problems, table.toString());
    assertEquals(25, seen.size());
  }
}
