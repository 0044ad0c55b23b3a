package dev.p2p.testkit.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The lab itself, without any STUN code: a reflector on the relay's two addresses tells each host
 * how it is seen, so the routers' mapping is checked independently of what is later tested in it.
 */
class NatLabTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabTest.class);
  }

  private static List<String> ipList() throws IOException {
    List<String> out = new ArrayList<>();
    for (String line :
        LabShell.run(List.of(LabShell.find("ip").orElseThrow(), "netns", "list")).split("\n")) {
      if (!line.isBlank()) {
        out.add(line.strip().split("\\s+")[0]);
      }
    }
    return out;
  }

  @Test
  void eachRouterMapsAsItsKindSays() throws Exception {
    try (NatLab lab =
        NatLab.create(
            2,
            List.of(NatKind.NONE, NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT))) {
      String a = lab.relayAddresses().get(0).getHostAddress() + ":7000";
      String b = lab.relayAddresses().get(1).getHostAddress() + ":7000";
      String c = lab.relayAddresses().get(0).getHostAddress() + ":7001";
      LabProcess reflector =
          lab.exec(
              lab.relayNamespace(),
              "reflector",
              NatLab.javaCommand(UdpReflector.class.getName(), List.of(a, b, c)));
      reflector.await("READY", WAIT);
      List<LabProcess> probes = new ArrayList<>();
      for (LabSide side : lab.sides()) {
        probes.add(
            lab.exec(
                side.hostNamespace(),
                "probe-" + side.index(),
                NatLab.javaCommand(UdpMappingProbe.class.getName(), List.of(a, b, c))));
      }
      for (LabSide side : lab.sides()) {
        LabProcess probe = probes.get(side.index() - 1);
        String localPort = probe.await("LOCAL", WAIT);
        Map<String, String> seen = new TreeMap<>();
        for (String dest : List.of(a, b, c)) {
          String line = probe.await("SEEN " + dest + " ->", WAIT);
          seen.put(dest, line);
        }
        String host = side.hostAddress().getHostAddress();
        String router = side.routerPublicAddress().getHostAddress();
        switch (side.kind()) {
          case NONE ->
              seen.values().forEach(s -> assertEquals(host + ":" + localPort, s, "" + seen));
          case ENDPOINT_INDEPENDENT ->
              seen.values().forEach(s -> assertEquals(router + ":" + localPort, s, "" + seen));
          case DESTINATION_DEPENDENT -> {
            seen.values().forEach(s -> assertTrue(s.startsWith(router + ":"), "" + seen));
            assertEquals(
                3, seen.values().stream().distinct().count(), "a port per destination: " + seen);
          }
        }
      }
      String rules =
          lab.run(lab.sides().get(2).routerNamespace(), List.of("nft", "list", "ruleset"));
      assertTrue(rules.contains("masquerade fully-random"), rules);
      assertEquals(
          "",
          lab.run(lab.sides().get(0).routerNamespace(), List.of("nft", "list", "ruleset")).strip());
    }
  }

  @Test
  void closeDeletesEveryNamespaceAndAKilledRunsLeftoversGoButALiveOnesStay() throws Exception {
    ProcessHandle parent = ProcessHandle.current().parent().orElseThrow();
    String dead = NatLab.PREFIX + "999999999.zz-1-relay";
    String live = NatLab.PREFIX + parent.pid() + "." + LabProbe.startTag(parent) + "-1-relay";
    String ip = LabShell.find("ip").orElseThrow();
    LabShell.run(List.of(ip, "netns", "add", dead));
    LabShell.run(List.of(ip, "netns", "add", live));
    Path deadLogs =
        Path.of(System.getProperty("java.io.tmpdir"), NatLab.PREFIX + "999999999.zz-1-logs1");
    Files.createDirectories(deadLogs);
    Files.writeString(deadLogs.resolve("relay.log"), "left behind");
    try {
      List<String> names;
      Path logDir;
      try (NatLab lab = NatLab.create(1, List.of(NatKind.ENDPOINT_INDEPENDENT))) {
        names = lab.namespaces();
        logDir = lab.logDir();
        assertEquals(4, names.size(), "wan, relay, router, host: " + names);
        List<String> now = ipList();
        assertTrue(now.containsAll(names), now.toString());
        assertFalse(now.contains(dead), "a dead run's namespace is deleted");
        assertTrue(now.contains(live), "a live run's namespace is left alone");
        assertFalse(Files.exists(deadLogs), "a dead run's logs are deleted");
        assertTrue(Files.isDirectory(lab.logDir()));
        assertNotEquals(names.get(0), dead);
      }
      List<String> after = ipList();
      for (String n : names) {
        assertFalse(after.contains(n), n + " outlived close: " + after);
      }
      assertFalse(Files.exists(logDir), "close deletes the logs");
    } finally {
      for (String n : List.of(dead, live)) {
        if (ipList().contains(n)) {
          LabShell.run(List.of(ip, "netns", "del", n));
        }
      }
    }
  }
}
