package dev.p2p.quic.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The QUIC provider's hole punching through the lab's kernel NATs: for every ordered pairing of
 * router kinds (dialler x listener), a provider child JVM on each side, both logged in to a relay
 * on the public segment; the dialler dials by peer id alone, so the connection starts relayed; the
 * peers swap traversal offers over it and punch. The relay namespace runs two relays at two
 * addresses, so each provider has two STUN destinations and knows whether its NAT maps per
 * destination. The final path must be DIRECT on both sides in every pairing but EDM x EDM: plain
 * punching where it can, birthday probing for EIM x EDM and EDM x EIM; EDM x EDM stays RELAYED,
 * still working.
 */
class NatLabQuicMatrixTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  static boolean directExpected(NatKind a, NatKind b) {
    return a != NatKind.DESTINATION_DEPENDENT || b != NatKind.DESTINATION_DEPENDENT;
  }

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabQuicMatrixTest.class);
  }

  @Test
  void everyPairingConnectsRelayedAndEndsDirectWherePunchingCan() throws Exception {
    NatKind none = NatKind.NONE;
    NatKind eim = NatKind.ENDPOINT_INDEPENDENT;
    NatKind edm = NatKind.DESTINATION_DEPENDENT;
    try (NatLab lab = NatLab.create(2, List.of(none, none, eim, eim, edm, edm))) {
      String url = LabQuicPeers.startRelays(lab, WAIT);
      List<LabProcess> peers = LabQuicPeers.startPeers(lab, url);
      // {dialler side, listener side}, 1-based: every ordered pair of kinds once.
      int[][] pairs = {{1, 2}, {1, 3}, {1, 5}, {3, 1}, {3, 4}, {3, 5}, {5, 1}, {5, 3}, {5, 6}};
      for (int i = 0; i < pairs.length; i++) {
        peers.get(pairs[i][1] - 1).send("LISTEN p" + i);
      }
      for (int i = 0; i < pairs.length; i++) {
        String id = peers.get(pairs[i][1] - 1).await("ID p" + i + " ", WAIT);
        peers.get(pairs[i][0] - 1).send("DIAL p" + i + " " + id);
      }
      StringBuilder table =
          new StringBuilder(
              "QUIC hole punching in the kernel NAT lab (dialler x listener; ms from connect()):\n");
      table.append(
          String.format(
              "%-22s x %-22s : %-8s %-8s %8s %8s %8s  %-14s %-14s %s%n",
              "dialler",
              "listener",
              "final",
              "first",
              "connect",
              "1st msg",
              "direct",
              "bday dialler",
              "bday listener",
              "path"));
      List<String> problems = new ArrayList<>();
      StringBuilder logs = new StringBuilder();
      for (int i = 0; i < pairs.length; i++) {
        LabSide d = lab.sides().get(pairs[i][0] - 1);
        LabSide l = lab.sides().get(pairs[i][1] - 1);
        String r = peers.get(pairs[i][0] - 1).await("RESULT p" + i + " ", WAIT);
        String[] w = r.split(" ");
        boolean failed = w[0].equals("FAILED");
        String fin = w[0];
        String first = failed ? "-" : value(w, "first");
        String peerPath = failed ? "-" : value(w, "peer");
        table.append(
            String.format(
                "%-22s x %-22s : %-8s %-8s %8s %8s %8s  %-14s %-14s %s%n",
                d.kind(),
                l.kind(),
                fin,
                first,
                failed ? "-" : value(w, "connect"),
                failed ? "-" : value(w, "msg"),
                failed ? "-" : value(w, "direct"),
                failed ? "-" : value(w, "bday"),
                failed ? "-" : value(w, "peerbday"),
                failed ? r : value(w, "path") + " (listener " + peerPath + ")"));
        String want = directExpected(d.kind(), l.kind()) ? "DIRECT" : "RELAYED";
        // "first" is shown, not asserted: a dial by peer id alone can only start on the relay, but
        // punching (and following the peer's direct packets) may finish before connect() returns.
        if (!fin.equals(want) || !peerPath.equals(want)) {
          problems.add(d.kind() + " x " + l.kind() + " wanted " + want + ": " + r);
          logs.append("--- dialler ")
              .append(peers.get(pairs[i][0] - 1).logTail())
              .append("\n--- listener ")
              .append(peers.get(pairs[i][1] - 1).logTail())
              .append('\n');
        }
      }
      table.append(
          "bday: birthday attempts/successes/probes sent/sockets opened/loop CPU ms of the last"
              + " attempt\n");
      System.out.print(table);
      assertEquals(List.of(), problems, table.toString() + logs);
    }
  }

  private static String value(String[] words, String key) {
    for (String w : words) {
      if (w.startsWith(key + "=")) {
        return w.substring(key.length() + 1);
      }
    }
    return "?";
  }
}
