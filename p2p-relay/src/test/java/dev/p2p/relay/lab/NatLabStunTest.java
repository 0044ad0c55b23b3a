package dev.p2p.relay.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.internal.stun.NatType;
import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NAT classification through real kernel NATs: relays in the lab's public namespace (two addresses,
 * and a second port on the first), NatCheck on each host behind a router of each kind.
 */
class NatLabStunTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabStunTest.class);
  }

  private static NatType expected(NatKind kind) {
    return switch (kind) {
      case NONE -> NatType.NO_NAT;
      case ENDPOINT_INDEPENDENT -> NatType.ENDPOINT_INDEPENDENT;
      case DESTINATION_DEPENDENT -> NatType.DESTINATION_DEPENDENT;
    };
  }

  @Test
  void natCheckTellsEachRouterKind() throws Exception {
    List<NatKind> kinds =
        List.of(NatKind.NONE, NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT);
    try (NatLab lab = NatLab.create(2, kinds)) {
      String a = lab.relayAddresses().get(0).getHostAddress();
      String b = lab.relayAddresses().get(1).getHostAddress();
      List<String> servers = List.of(a + ":3478", b + ":3478", a + ":3479");
      long t0 = System.nanoTime();
      LabProcess relay =
          lab.exec(
              lab.relayNamespace(),
              "relay",
              NatLab.javaCommand(LabRelayMain.class.getName(), servers));
      relay.await("READY", WAIT);
      List<LabProcess> checks = new ArrayList<>();
      for (LabSide side : lab.sides()) {
        checks.add(
            lab.exec(
                side.hostNamespace(),
                "natcheck-" + side.index(),
                NatLab.javaCommand(LabNatCheckMain.class.getName(), servers)));
      }
      StringBuilder table =
          new StringBuilder(
              String.format(
                  "%-22s | %-22s | %-11s | %s%n",
                  "router", "NatCheck says", "local port", "reflexive per server"));
      List<String> problems = new ArrayList<>();
      for (LabSide side : lab.sides()) {
        LabProcess check = checks.get(side.index() - 1);
        String local = check.await("LOCAL", WAIT);
        List<String> reflexive = Arrays.asList(check.await("REFLEXIVE", WAIT).split(","));
        String summary = check.await("SUMMARY", WAIT);
        NatType type = NatType.valueOf(check.await("TYPE", WAIT));
        table.append(
            String.format("%-22s | %-22s | %-11s | %s%n", side.kind(), type, local, reflexive));
        String host = side.hostAddress().getHostAddress();
        String router = side.routerPublicAddress().getHostAddress();
        if (type != expected(side.kind())) {
          problems.add(side.kind() + " classified " + type + ": " + summary.replace('|', '\n'));
        }
        for (String r : reflexive) {
          String want =
              side.kind() == NatKind.NONE
                  ? host + ":" + local
                  : side.kind() == NatKind.ENDPOINT_INDEPENDENT
                      ? router + ":" + local
                      : router + ":";
          if (!r.startsWith(want)) {
            problems.add(side.kind() + ": reflexive " + r + ", expected " + want + "...");
          }
        }
        assertTrue(check.waitFor(WAIT), "NatCheck did not exit");
        assertEquals(0, check.exitValue(), check.logTail());
      }
      System.out.printf(
          "NAT lab classification (%d ms, JVM starts included):%n%s",
          (System.nanoTime() - t0) / 1_000_000, table);
      assertEquals(List.of(), problems, table.toString());
    }
  }
}
