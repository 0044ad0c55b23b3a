package dev.p2p.testkit.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The router counters count what the host sends through the NAT to one address, and only that:
 * datagrams of a known size from bash's {@code /dev/udp}, some starting with 0x04 and some not, and
 * some to another address.
 */
class LabCounterTest {
  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(LabCounterTest.class);
  }

  @Test
  void countsUdpToOneAddressAfterTheNatAndTellsProbesByTheirFirstByte() throws Exception {
    try (NatLab lab =
        NatLab.create(1, List.of(NatKind.ENDPOINT_INDEPENDENT, NatKind.DESTINATION_DEPENDENT))) {
      LabSide host = lab.sides().get(0);
      LabSide peer = lab.sides().get(1);
      String to = LabCounter.publicAddress(peer).getHostAddress();
      String relay = lab.relayAddresses().get(0).getHostAddress();
      LabCounter all = LabCounter.udpTo(lab, host, LabCounter.publicAddress(peer));
      LabCounter probes =
          LabCounter.udpWithFirstByteTo(lab, host, LabCounter.publicAddress(peer), 0x04);
      // 3 datagrams of 4 bytes starting 0x04, 2 starting 'Q', to the peer; 4 to the relay.
      String script =
          "for i in 1 2 3; do printf '\\x04abc' > /dev/udp/"
              + to
              + "/9999; done; for i in 1 2; do printf 'Qabc' > /dev/udp/"
              + to
              + "/9999; done; for i in 1 2 3 4; do printf '\\x04abc' > /dev/udp/"
              + relay
              + "/9999; done";
      lab.run(host.hostNamespace(), List.of("bash", "-c", script));
      // IPv4 20 + UDP 8 + 4 bytes of payload each.
      assertEquals(new LabCounter.Count(5, 5 * 32), all.read());
      assertEquals(new LabCounter.Count(3, 3 * 32), probes.read());
      assertEquals(peer.routerPublicAddress(), LabCounter.publicAddress(peer));
      assertEquals(
          lab.sides().get(0).hostAddress(),
          LabCounter.publicAddress(
              new LabSide(
                  1, "h", host.hostAddress(), "r", host.routerPublicAddress(), NatKind.NONE)));
    }
  }
}
