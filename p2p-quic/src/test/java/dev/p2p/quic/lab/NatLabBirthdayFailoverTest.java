package dev.p2p.quic.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A direct path won by birthday probing (EIM x EDM through the lab's kernel NATs) that dies falls
 * back to the relay, and once UDP flows again is won back: the EIM side's router drops all UDP to
 * and from the EDM side's router (a firewall that starts blackholing UDP; the relay's TCP still
 * flows) while the two exchange numbered messages, then stops dropping. The dialler's path goes
 * DIRECT, RELAYED, DIRECT, and every message is echoed once, in order.
 */
class NatLabBirthdayFailoverTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String TABLE = "p2pblackhole";

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabBirthdayFailoverTest.class);
  }

  @Test
  void aBirthdayPathThatDiesFallsBackToTheRelayAndIsWonBack() throws Exception {
    try (NatLab lab =
        NatLab.create(2, List.of(NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT))) {
      String url = LabQuicPeers.startRelays(lab, WAIT);
      List<LabProcess> sides = LabQuicPeers.startPeers(lab, url);
      LabProcess eim = sides.get(0);
      LabProcess edm = sides.get(1);
      LabSide eimSide = lab.sides().get(0);
      String peerRouter = lab.sides().get(1).routerPublicAddress().getHostAddress();
      edm.send("LISTEN f");
      eim.send("FAILOVER f " + edm.await("ID f ", WAIT));
      String logs = "";
      try {
        assertEquals("RELAYED", eim.await("PATH f ", WAIT), "dialled by peer id: relay first");
        assertEquals("DIRECT", eim.await("PATH f ", WAIT), "birthday probing won a direct path");
        Thread.sleep(1000); // messages on the direct path (a real network: wall time)
        blackhole(lab, eimSide.routerNamespace(), peerRouter, true);
        assertEquals("RELAYED", eim.await("PATH f ", WAIT), "the dead direct path fell back");
        blackhole(lab, eimSide.routerNamespace(), peerRouter, false);
        assertEquals("DIRECT", eim.await("PATH f ", WAIT), "won back once UDP flows");
        Thread.sleep(1000);
      } finally {
        logs = eim.logTail() + edm.logTail();
      }
      eim.send("END f");
      String r = eim.await("RESULT f ", WAIT);
      System.out.println("birthday path failover in the kernel lab: " + r);
      String[] w = r.split(" ");
      assertTrue(w[0].startsWith("sent="), r + logs);
      assertTrue(Long.parseLong(w[0].substring(5)) >= 100, "messages on every path: " + r);
      assertEquals(w[0].substring(5), w[1].substring(7), "every message echoed: " + r + logs);
      assertEquals("ordered=true", w[2], r + logs);
      assertEquals("paths=RELAYED,DIRECT,RELAYED,DIRECT", w[3], r + logs);
    }
  }

  /** Drops (or stops dropping) forwarded UDP to and from {@code peer} in {@code router}. */
  private static void blackhole(NatLab lab, String router, String peer, boolean on)
      throws Exception {
    if (!on) {
      lab.run(router, List.of("nft", "delete", "table", "ip", TABLE));
      return;
    }
    lab.run(router, List.of("nft", "add", "table", "ip", TABLE));
    lab.run(
        router,
        List.of(
            "nft",
            "add",
            "chain",
            "ip",
            TABLE,
            "drops",
            "{ type filter hook forward priority -10 ; policy accept ; }"));
    lab.run(
        router,
        List.of(
            "nft", "add", "rule", "ip", TABLE, "drops", "ip", "daddr", peer, "meta", "l4proto",
            "udp", "drop"));
    lab.run(
        router,
        List.of(
            "nft", "add", "rule", "ip", TABLE, "drops", "ip", "saddr", peer, "meta", "l4proto",
            "udp", "drop"));
  }
}
