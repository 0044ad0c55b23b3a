package dev.p2p.relay.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Plain-UDP hole punching through the lab's kernel NATs for every pairing of router kinds: the
 * reference table the QUIC provider's punching (and birthday probing) will be measured against, and
 * the table the in-process matrix (UserSpaceNat's PunchMatrixTest) must agree with.
 */
class NatLabPunchTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /**
   * Without port guessing, a side whose mapping varies per destination punches only to one that
   * does not filter.
   */
  static boolean directExpected(NatKind a, NatKind b) {
    boolean hard = a == NatKind.DESTINATION_DEPENDENT || b == NatKind.DESTINATION_DEPENDENT;
    boolean open = a == NatKind.NONE || b == NatKind.NONE;
    return !hard || open;
  }

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabPunchTest.class);
  }

  @Test
  void punchingWorksExceptWhereADestinationDependentMappingMeetsAFilter() throws Exception {
    NatKind none = NatKind.NONE;
    NatKind eim = NatKind.ENDPOINT_INDEPENDENT;
    NatKind edm = NatKind.DESTINATION_DEPENDENT;
    try (NatLab lab = NatLab.create(1, List.of(none, none, eim, eim, edm, edm))) {
      String stun = lab.relayAddresses().get(0).getHostAddress() + ":3478";
      LabProcess relay =
          lab.exec(
              lab.relayNamespace(),
              "relay",
              NatLab.javaCommand(LabRelayMain.class.getName(), List.of(stun)));
      List<LabProcess> agents = new ArrayList<>();
      for (LabSide side : lab.sides()) {
        agents.add(
            lab.exec(
                side.hostNamespace(),
                "agent-" + side.index(),
                NatLab.javaCommand(LabPunchAgent.class.getName(), List.of())));
      }
      relay.await("READY", WAIT);
      // Side indices (1-based) of each pairing: every unordered pair of kinds once.
      int[][] pairs = {{1, 2}, {1, 3}, {2, 5}, {3, 4}, {4, 6}, {5, 6}};
      for (int i = 0; i < pairs.length; i++) {
        for (int s : pairs[i]) {
          agents.get(s - 1).send("STUN p" + i + " " + stun);
        }
      }
      Map<String, String[]> cand = new TreeMap<>();
      for (int i = 0; i < pairs.length; i++) {
        String a = agents.get(pairs[i][0] - 1).await("CAND p" + i + " ", WAIT);
        String b = agents.get(pairs[i][1] - 1).await("CAND p" + i + " ", WAIT);
        cand.put("p" + i, new String[] {a, b});
        if (a.equals("-") || b.equals("-")) {
          throw new AssertionError(
              "pair p" + i + ": no STUN answer from the relay (candidates " + a + ", " + b + ")");
        }
        agents.get(pairs[i][0] - 1).send("PEER p" + i + " " + b);
        agents.get(pairs[i][1] - 1).send("PEER p" + i + " " + a);
      }
      StringBuilder table = new StringBuilder("plain UDP hole punching in the kernel NAT lab:\n");
      List<String> problems = new ArrayList<>();
      for (int i = 0; i < pairs.length; i++) {
        LabSide sa = lab.sides().get(pairs[i][0] - 1);
        LabSide sb = lab.sides().get(pairs[i][1] - 1);
        String ra = agents.get(pairs[i][0] - 1).await("RESULT p" + i + " ", WAIT);
        String rb = agents.get(pairs[i][1] - 1).await("RESULT p" + i + " ", WAIT);
        boolean direct = ra.startsWith("DIRECT") && rb.startsWith("DIRECT");
        table.append(
            String.format(
                "%-22s x %-22s : %-7s (%s | %s)%n",
                sa.kind(), sb.kind(), direct ? "direct" : "relay", ra, rb));
        if (direct != directExpected(sa.kind(), sb.kind())
            || ra.startsWith("DIRECT") != rb.startsWith("DIRECT")) {
          problems.add(sa.kind() + " x " + sb.kind() + ": " + ra + " | " + rb);
        }
      }
      System.out.print(table);
      assertEquals(List.of(), problems, table.toString());
    }
  }
}
