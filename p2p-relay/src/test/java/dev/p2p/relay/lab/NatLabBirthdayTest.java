package dev.p2p.relay.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Birthday punching ({@link BirthdayPunch}) through the lab's kernel NATs, EIM x EDM: the pairing
 * plain punching cannot do. About 98% per attempt is expected, so at least 60% of the attempts must
 * end direct (for the default five: three or more; fewer has a chance of about 5e-5); the rate is
 * printed.
 */
class NatLabBirthdayTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** {@code -Dp2p.natlab.birthdayAttempts=N} measures the rate over more attempts. */
  private static final int ATTEMPTS = Integer.getInteger("p2p.natlab.birthdayAttempts", 5);

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabBirthdayTest.class);
  }

  @Test
  void endpointIndependentMeetsDestinationDependentByBirthdayProbing() throws Exception {
    try (NatLab lab =
        NatLab.create(1, List.of(NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT))) {
      String stun = lab.relayAddresses().get(0).getHostAddress() + ":3478";
      LabProcess relay =
          lab.exec(
              lab.relayNamespace(),
              "relay",
              NatLab.javaCommand(LabRelayMain.class.getName(), List.of(stun)));
      LabProcess easy =
          lab.exec(
              lab.sides().get(0).hostNamespace(),
              "easy",
              NatLab.javaCommand(LabPunchAgent.class.getName(), List.of()));
      LabProcess hard =
          lab.exec(
              lab.sides().get(1).hostNamespace(),
              "hard",
              NatLab.javaCommand(LabPunchAgent.class.getName(), List.of()));
      relay.await("READY", WAIT);
      List<String> results = new ArrayList<>();
      int direct = 0;
      for (int i = 0; i < ATTEMPTS; i++) {
        String pair = "b" + i;
        easy.send("STUN " + pair + " " + stun);
        hard.send("STUN " + pair + " " + stun);
        String easyCand = easy.await("CAND " + pair + " ", WAIT);
        String hardCand = hard.await("CAND " + pair + " ", WAIT);
        hard.send("HARD " + pair + " " + easyCand);
        hard.await("OPENED " + pair, WAIT);
        easy.send("EASY " + pair + " " + hardCand);
        String e = easy.await("RESULT " + pair + " ", WAIT);
        String h = hard.await("RESULT " + pair + " ", WAIT);
        results.add(e + " | " + h);
        if (e.startsWith("DIRECT") && h.startsWith("DIRECT")) {
          direct++;
        }
      }
      String report =
          String.format(
              "birthday punching EIM x EDM (%d sockets, %d probes): %d/%d direct%n  %s%n",
              BirthdayPunch.HARD_SOCKETS,
              BirthdayPunch.EASY_PROBES,
              direct,
              ATTEMPTS,
              String.join("\n  ", results));
      System.out.print(report);
      assertTrue(direct * 5 >= ATTEMPTS * 3, report);
    }
  }
}
