package dev.p2p.quic.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Birthday probing by the QUIC provider, EIM x EDM through the lab's kernel NATs, pairing after
 * pairing (new providers, so new sockets and mappings each time; the dialler alternates sides):
 * every pairing must end DIRECT on both sides (a failed attempt is retried after back-off within
 * the wait), and the per-attempt success rate (the hard side's attempts and successes), the probes,
 * the loop CPU per attempt and the time from {@code connect()} to direct are printed. {@code
 * -Dp2p.natlab.quicBirthdayPairs=N} measures over more pairings (default 4).
 */
class NatLabQuicBirthdayTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int PAIRS = Integer.getInteger("p2p.natlab.quicBirthdayPairs", 4);

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabQuicBirthdayTest.class);
  }

  @Test
  void endpointIndependentMeetsDestinationDependentDirectlyEveryTime() throws Exception {
    try (NatLab lab =
        NatLab.create(2, List.of(NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT))) {
      String url = LabQuicPeers.startRelays(lab, WAIT);
      List<LabProcess> sides = LabQuicPeers.startPeers(lab, url);
      List<String> problems = new ArrayList<>();
      StringBuilder report = new StringBuilder();
      long attempts = 0;
      long successes = 0;
      long probes = 0;
      long cpuMs = 0;
      long directMs = 0;
      for (int i = 0; i < PAIRS; i++) {
        int dialler = i % 2; // 0: the EIM side dials, 1: the EDM side does
        LabProcess d = sides.get(dialler);
        LabProcess l = sides.get(1 - dialler);
        String pair = "b" + i;
        l.send("LISTEN " + pair);
        d.send("DIAL " + pair + " " + l.await("ID " + pair + " ", WAIT));
        String r = d.await("RESULT " + pair + " ", WAIT);
        report.append(dialler == 0 ? "EIM x EDM " : "EDM x EIM ").append(r).append('\n');
        String[] w = r.split(" ");
        if (!w[0].equals("DIRECT") || !value(w, "peer").equals("DIRECT")) {
          problems.add(pair + ": " + r + d.logTail() + l.logTail());
          continue;
        }
        String[] hard = value(w, dialler == 0 ? "peerbday" : "bday").split("/");
        String[] easy = value(w, dialler == 0 ? "bday" : "peerbday").split("/");
        attempts += Long.parseLong(hard[0]);
        successes += Long.parseLong(hard[1]);
        probes += Long.parseLong(hard[2]) + Long.parseLong(easy[2]);
        cpuMs += millis(hard[4]) + millis(easy[4]);
        directMs += Long.parseLong(value(w, "direct"));
      }
      int ok = PAIRS - problems.size();
      report.append(
          String.format(
              "birthday probing, QUIC, EIM x EDM: %d of %d pairings direct; hard-side attempts %d,"
                  + " successes %d (%.0f%% per attempt); per direct pairing: %.0f probes (both"
                  + " sides), %.1f ms loop CPU (last attempt, both sides), %.0f ms connect() to"
                  + " direct%n",
              ok,
              PAIRS,
              attempts,
              successes,
              attempts == 0 ? 0.0 : 100.0 * successes / attempts,
              ok == 0 ? 0.0 : (double) probes / ok,
              ok == 0 ? 0.0 : (double) cpuMs / ok,
              ok == 0 ? 0.0 : (double) directMs / ok));
      System.out.print(report);
      assertEquals(List.of(), problems, report.toString());
    }
  }

  /** "?" where the JVM cannot measure thread CPU time. */
  private static long millis(String s) {
    return s.equals("?") ? 0 : Long.parseLong(s);
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
