package dev.p2p.quic.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Path MTU discovery is on by default and searches up to the interface's MTU (1,472-byte payloads
 * on the lab's 1,500-byte links). Here a hop beyond the first carries only 1,400 bytes (the
 * listener's router, towards its host; it answers with ICMP "fragmentation needed" one way and
 * drops the other): a bulk transfer with the default settings must still arrive whole, at the size
 * the search finds. Were the probes sent without don't-fragment, or fragmented once the kernel
 * learnt the smaller MTU, a probe would "succeed" and every later GSO send would fail.
 */
class NatLabPathMtuTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @BeforeAll
  static void needsTheLab() {
    LabAssumptions.assumeLabAvailable(NatLabPathMtuTest.class);
  }

  @Test
  void aBulkTransferCrossesAHopWithASmallerMtuThanTheInterfaces() throws Exception {
    try (NatLab lab = NatLab.create(1, List.of(NatKind.NONE, NatKind.NONE))) {
      LabSide sender = lab.sides().get(0);
      LabSide receiver = lab.sides().get(1);
      lab.run(
          receiver.routerNamespace(), List.of("ip", "link", "set", "dev", "lan", "mtu", "1400"));
      LabProcess listen =
          lab.exec(
              receiver.hostNamespace(),
              "bulk-recv",
              NatLab.javaCommand(
                  LabQuicBulkMain.class.getName(),
                  List.of("listen", receiver.hostAddress().getHostAddress() + ":0")));
      String ticket = listen.await("TICKET ", WAIT);
      int messages = 256; // 16 MiB
      LabProcess send =
          lab.exec(
              sender.hostNamespace(),
              "bulk-send",
              NatLab.javaCommand(
                  LabQuicBulkMain.class.getName(),
                  List.of("send", ticket, Integer.toString(messages))));
      assertEquals(
          messages + " " + (messages * (long) LabQuicBulkMain.SIZE), listen.await("GOT ", WAIT));
      send.await("SENT", WAIT);
    }
  }
}
