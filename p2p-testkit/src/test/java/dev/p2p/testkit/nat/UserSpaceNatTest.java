package dev.p2p.testkit.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** RFC 4787 mapping, filtering and timeouts of the user-space NAT, as properties. */
class UserSpaceNatTest {
  private static final long MS = 1_000_000L;
  private static final InetAddress PUBLIC = ip("198.18.0.30");
  private static final InetSocketAddress HOST = new InetSocketAddress(ip("198.19.9.2"), 5000);
  private static final NatBehaviour[] B = NatBehaviour.values();

  /**
   * QuickTheories with the kit's replay convention: {@code -Dp2p.testkit.seed=N} (the "Seed was N"
   * a failure prints) replays a run.
   */
  private static org.quicktheories.QuickTheory qt() {
    String fixed = System.getProperty("p2p.testkit.seed");
    long seed =
        fixed != null && !fixed.isBlank()
            ? Long.parseLong(fixed.strip())
            : java.util.concurrent.ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    return org.quicktheories.QuickTheory.qt().withFixedSeed(seed);
  }

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** Remote i: four addresses, two ports each. */
  private static InetSocketAddress remote(int i) {
    return new InetSocketAddress(ip("198.18.0." + (40 + i / 2)), 3478 + i % 2);
  }

  private static InetSocketAddress host(int i) {
    return new InetSocketAddress(ip("198.19.9." + (2 + i)), 5000);
  }

  private static boolean sameKey(NatBehaviour b, InetSocketAddress x, InetSocketAddress y) {
    return switch (b) {
      case ENDPOINT_INDEPENDENT -> true;
      case ADDRESS_DEPENDENT -> x.getAddress().equals(y.getAddress());
      case ADDRESS_AND_PORT_DEPENDENT -> x.equals(y);
    };
  }

  @Test
  void destinationsShareAPublicEndpointExactlyWhenTheMappingBehaviourSaysSo() {
    qt().withExamples(300)
        .forAll(
            integers().between(0, 2),
            integers().between(0, 2),
            lists().of(integers().between(0, 7)).ofSizeBetween(1, 40))
        .checkAssert(
            (mapping, ports, dests) -> {
              NatBehaviour b = B[mapping];
              UserSpaceNat nat =
                  new UserSpaceNat(
                      NatConfig.of(PUBLIC, b, NatBehaviour.ENDPOINT_INDEPENDENT)
                          .withPorts(PortAssignment.values()[ports]));
              List<InetSocketAddress> out = new ArrayList<>();
              for (int i = 0; i < dests.size(); i++) {
                out.add(nat.outbound(HOST, remote(dests.get(i)), i * MS).orElseThrow());
              }
              for (int i = 0; i < dests.size(); i++) {
                for (int j = 0; j < dests.size(); j++) {
                  boolean same = out.get(i).equals(out.get(j));
                  assertEquals(
                      sameKey(b, remote(dests.get(i)), remote(dests.get(j))),
                      same,
                      b + ": " + remote(dests.get(i)) + " vs " + remote(dests.get(j)));
                }
              }
              assertTrue(out.stream().allMatch(a -> a.getAddress().equals(PUBLIC)));
            });
  }

  @Test
  void onlyTheRemotesTheFilteringAllowsGetIn() {
    // ops: 0..7 send to remote op; 8..15 a packet arrives from remote op-8.
    qt().withExamples(300)
        .forAll(
            integers().between(0, 2), lists().of(integers().between(0, 15)).ofSizeBetween(1, 60))
        .checkAssert(
            (filtering, ops) -> {
              NatBehaviour f = B[filtering];
              UserSpaceNat nat =
                  new UserSpaceNat(NatConfig.of(PUBLIC, NatBehaviour.ENDPOINT_INDEPENDENT, f));
              Set<InetSocketAddress> sentTo = new HashSet<>();
              InetSocketAddress pub = null;
              long t = 0;
              for (int op : ops) {
                t += MS;
                if (op < 8) {
                  pub = nat.outbound(HOST, remote(op), t).orElseThrow();
                  sentTo.add(remote(op));
                  continue;
                }
                InetSocketAddress r = remote(op - 8);
                InetSocketAddress to = pub != null ? pub : new InetSocketAddress(PUBLIC, 5000);
                boolean allowed =
                    pub != null
                        && sentTo.stream()
                            .anyMatch(
                                s -> f == NatBehaviour.ENDPOINT_INDEPENDENT || sameKey(f, s, r));
                Optional<InetSocketAddress> in = nat.inbound(r, to, t);
                assertEquals(
                    allowed, in.isPresent(), f + " from " + r + " after sending to " + sentTo);
                in.ifPresent(h -> assertEquals(HOST, h));
              }
            });
  }

  @Test
  void aMappingLapsesATimeoutAfterTheLastOutboundPacketAndInboundDoesNotRefreshIt() {
    // gaps in ms against a 1000 ms timeout; odd ops also send (refresh), even ones only receive.
    qt().withExamples(300)
        .forAll(
            integers().between(0, 2), lists().of(integers().between(0, 2400)).ofSizeBetween(1, 30))
        .checkAssert(
            (ports, gaps) -> {
              UserSpaceNat nat =
                  new UserSpaceNat(
                      NatConfig.portRestrictedCone(PUBLIC)
                          .withTimeout(Duration.ofSeconds(1))
                          .withPorts(PortAssignment.values()[ports]));
              InetSocketAddress peer = remote(0);
              long t = 0;
              InetSocketAddress pub = nat.outbound(HOST, peer, t).orElseThrow();
              long lastOut = t;
              for (int g : gaps) {
                t += g * MS;
                boolean alive = t - lastOut < 1000 * MS;
                assertEquals(
                    alive,
                    nat.inbound(peer, pub, t).isPresent(),
                    "at " + (t - lastOut) / MS + " ms");
                if (g % 2 == 1) {
                  InetSocketAddress now = nat.outbound(HOST, peer, t).orElseThrow();
                  if (alive) {
                    assertEquals(pub, now, "a live mapping is kept");
                  }
                  pub = now;
                  lastOut = t;
                }
              }
            });
  }

  @Test
  void afterARebootEveryFlowNeedsANewMappingAndTheOldOnesLetNothingIn() {
    for (PortAssignment ports : PortAssignment.values()) {
      UserSpaceNat nat =
          new UserSpaceNat(
              NatConfig.portRestrictedCone(PUBLIC)
                  .withTimeout(Duration.ofSeconds(30))
                  .withPorts(ports));
      InetSocketAddress peer = remote(0);
      InetSocketAddress before = nat.outbound(HOST, peer, 0).orElseThrow();
      assertTrue(nat.inbound(peer, before, MS).isPresent());
      nat.forgetMappings();
      assertTrue(nat.inbound(peer, before, 2 * MS).isEmpty(), ports + ": the old mapping is gone");
      InetSocketAddress after = nat.outbound(HOST, peer, 3 * MS).orElseThrow();
      assertTrue(nat.inbound(peer, after, 4 * MS).isPresent(), ports + ": the new one works");
      if (ports == PortAssignment.SEQUENTIAL) {
        assertTrue(after.getPort() != before.getPort(), "a sequential NAT moves on: " + after);
      }
    }
  }

  /**
   * Several hosts, every behaviour, eight public ports, random times: a port is never held by two
   * hosts at once, a packet gets in only through a live mapping to a host that sent to a matching
   * remote within the timeout, and a packet is dropped for want of a port only when all are held.
   */
  @Test
  void portsAreExclusiveDeliveryIsAlwaysEarnedAndDropsOnlyWhenFull() {
    qt().withExamples(400)
        .forAll(
            integers().between(0, 26),
            lists().of(integers().between(0, 3 * 2 * 8 * 8 - 1)).ofSizeBetween(1, 120))
        .checkAssert(
            (cfg, ops) -> {
              NatBehaviour mapping = B[cfg % 3];
              NatBehaviour filtering = B[cfg / 3 % 3];
              PortAssignment ports = PortAssignment.values()[cfg / 9];
              long timeout = 1000 * MS;
              UserSpaceNat nat =
                  new UserSpaceNat(
                      NatConfig.of(PUBLIC, mapping, filtering)
                          .withTimeout(Duration.ofNanos(timeout))
                          .withPorts(ports)
                          .withPortRange(5000, 5007)
                          .withSeed(cfg));
              // What happened: port -> [host, remote, time] of every outbound packet.
              Map<Integer, List<long[]>> sends = new HashMap<>();
              long t = 0;
              for (int op : ops) {
                int h = op % 3;
                boolean out = op / 3 % 2 == 0;
                int r = op / 6 % 8;
                t += (op / 48) * 150 * MS;
                long now = t;
                if (out) {
                  Optional<InetSocketAddress> pub = nat.outbound(host(h), remote(r), now);
                  if (pub.isEmpty()) {
                    long held =
                        sends.values().stream()
                            .filter(l -> l.stream().anyMatch(s -> now - s[2] < timeout))
                            .count();
                    assertEquals(8, held, "dropped with a port free");
                    continue;
                  }
                  int port = pub.get().getPort();
                  for (long[] s : sends.getOrDefault(port, List.of())) {
                    if (now - s[2] < timeout) {
                      assertEquals(h, s[0], "port " + port + " held by two hosts at once");
                    }
                  }
                  sends.computeIfAbsent(port, k -> new ArrayList<>()).add(new long[] {h, r, now});
                } else {
                  int port = 5000 + r; // a packet from remote r to public port 5000+r
                  Optional<InetSocketAddress> in =
                      nat.inbound(remote(r), new InetSocketAddress(PUBLIC, port), now);
                  if (in.isPresent()) {
                    int to = in.get().getAddress().getAddress()[3] - 2;
                    boolean earned =
                        sends.getOrDefault(port, List.of()).stream()
                            .anyMatch(
                                s ->
                                    s[0] == to
                                        && now - s[2] < timeout
                                        && (filtering == NatBehaviour.ENDPOINT_INDEPENDENT
                                            || sameKey(filtering, remote((int) s[1]), remote(r))));
                    assertTrue(
                        earned, "delivered to host " + to + " through port " + port + " unearned");
                  }
                }
              }
            });
  }

  @Test
  void theRfc3489NamesAreTheirBehaviours() {
    InetSocketAddress a = remote(0);
    InetSocketAddress samePortOtherAddress = remote(2);
    InetSocketAddress sameAddressOtherPort = remote(1);
    UserSpaceNat full = new UserSpaceNat(NatConfig.fullCone(PUBLIC));
    InetSocketAddress p = full.outbound(HOST, a, 0).orElseThrow();
    assertEquals(HOST.getPort(), p.getPort(), "ports preserved by default, as masquerade does");
    assertTrue(full.inbound(samePortOtherAddress, p, 1).isPresent());

    UserSpaceNat restricted = new UserSpaceNat(NatConfig.restrictedCone(PUBLIC));
    p = restricted.outbound(HOST, a, 0).orElseThrow();
    assertTrue(restricted.inbound(sameAddressOtherPort, p, 1).isPresent());
    assertFalse(restricted.inbound(samePortOtherAddress, p, 1).isPresent());

    UserSpaceNat portRestricted = new UserSpaceNat(NatConfig.portRestrictedCone(PUBLIC));
    p = portRestricted.outbound(HOST, a, 0).orElseThrow();
    assertFalse(portRestricted.inbound(sameAddressOtherPort, p, 1).isPresent());
    assertTrue(portRestricted.inbound(a, p, 1).isPresent());

    UserSpaceNat symmetric = new UserSpaceNat(NatConfig.symmetric(PUBLIC));
    InetSocketAddress p1 = symmetric.outbound(HOST, a, 0).orElseThrow();
    InetSocketAddress p2 = symmetric.outbound(HOST, sameAddressOtherPort, 0).orElseThrow();
    assertNotEquals(p1, p2);
    assertFalse(
        symmetric.inbound(sameAddressOtherPort, p1, 1).isPresent(), "only via its own mapping");
    assertTrue(symmetric.inbound(sameAddressOtherPort, p2, 1).isPresent());
    assertFalse(
        symmetric
            .inbound(a, new InetSocketAddress(ip("198.18.0.31"), p1.getPort()), 1)
            .isPresent());
  }

  @Test
  void aHostSprayingProbesKeepsMemoryBounded() {
    UserSpaceNat nat =
        new UserSpaceNat(NatConfig.symmetric(PUBLIC).withTimeout(Duration.ofSeconds(1)));
    long t = 0;
    for (int i = 0; i < 200_000; i++) {
      t += MS / 10; // 10,000 packets/s: about 10,000 alive at any time
      nat.outbound(HOST, new InetSocketAddress(ip("198.18.1.1"), 1 + i % 65000), t);
    }
    int live = nat.liveMappings(t);
    assertTrue(live <= 10_001, live + " mappings alive with a 1 s timeout at 10k/s");
    assertEquals(0, nat.liveMappings(t + 1001 * MS));
  }
}
