package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.testkit.lab.LabAssumptions;
import dev.p2p.testkit.lab.LabCounter;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatKind;
import dev.p2p.testkit.lab.NatLab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p2p send} and {@code p2p receive} between two machines behind home routers, as a user runs
 * them: three {@code p2p} processes in the kernel NAT lab (p2p-testkit), {@code p2p relay} on the
 * public segment, the sender behind one router and the receiver behind the other, told only the
 * relay's URL and the ticket.
 *
 * <p>What a user sees is asserted: both exit 0, the file is byte-identical, and each side's {@code
 * path} lines are the ones the README's NAT table gives for the pairing: EIM x EIM starts relayed
 * and moves to the other side's public (router) address; EDM x EDM stays on the relay. Where the
 * file's bytes went is counted by the kernel (nftables counters on the sender's router): UDP
 * straight to the receiver's NAT, TCP to the relay.
 *
 * <p>The relay limits each client to {@link #RELAY_BYTES_PER_SECOND}, as a public relay does, so
 * the relayed transfer spans the provider's whole probing window (4 s) and "stays relayed" is
 * checked across it. In EIM x EIM the punch is confirmed within the offer's round trip, before the
 * file's data starts (a few kB, handshake and offer, go to the relay): the switch under a running
 * transfer is p2p-quic's RelayToDirectUpgradeTest.
 */
@Timeout(180)
class NatLabSendReceiveTest {
  private static final long SIZE = 8L << 20;
  private static final int RELAY_BYTES_PER_SECOND = 2_000_000;
  private static final Duration START = Duration.ofSeconds(60);
  private static final Duration END = Duration.ofSeconds(90);

  @TempDir static Path shared;
  private static Path file;
  private static String sha;

  @TempDir Path dir;

  @BeforeAll
  static void needsTheLab() throws Exception {
    LabAssumptions.assumeLabAvailable(NatLabSendReceiveTest.class);
    file = shared.resolve("holiday.mp4");
    sha = TransferChecks.randomFile(file, SIZE, 42);
  }

  @Test
  void behindTwoEndpointIndependentNatsTheFileStartsRelayedAndFinishesDirect() throws Exception {
    Transfer t = transfer(NatKind.ENDPOINT_INDEPENDENT, NatKind.ENDPOINT_INDEPENDENT);
    assertPaths(t.sender, t.url, t.receiverSide, true);
    assertPaths(t.receiver, t.url, t.senderSide, true);
    // Counted by the kernel, not by us: a real share of the file took the punched path.
    assertTrue(t.directBytes >= SIZE / 4, t.directBytes + " bytes went direct");
  }

  @Test
  void behindTwoDestinationDependentNatsTheFileArrivesThroughTheRelay() throws Exception {
    Transfer t = transfer(NatKind.DESTINATION_DEPENDENT, NatKind.DESTINATION_DEPENDENT);
    assertPaths(t.sender, t.url, t.receiverSide, false);
    assertPaths(t.receiver, t.url, t.senderSide, false);
    // Probes may cross (and die at the receiver's NAT); the file's bytes do not.
    assertTrue(t.directBytes < SIZE / 8, t.directBytes + " bytes went direct");
    assertTrue(t.relayedBytes >= SIZE, t.relayedBytes + " bytes went to the relay");
  }

  /** What one run printed, once both ends have exited 0 with the file verified. */
  private record Transfer(
      String url,
      LabSide senderSide,
      LabSide receiverSide,
      List<String> sender,
      List<String> receiver,
      long directBytes,
      long relayedBytes) {}

  private Transfer transfer(NatKind senderKind, NatKind receiverKind) throws Exception {
    Path out = Files.createDirectory(dir.resolve("in"));
    long t0 = System.nanoTime();
    try (NatLab lab = NatLab.create(1, List.of(senderKind, receiverKind))) {
      LabSide senderSide = lab.sides().get(0);
      LabSide receiverSide = lab.sides().get(1);
      String relayIp = lab.relayAddresses().get(0).getHostAddress();
      LabProcess relay =
          lab.exec(
              lab.relayNamespace(),
              "relay",
              LabCli.command(
                  Map.of("P2P_RELAY_BYTES_PER_SECOND", Integer.toString(RELAY_BYTES_PER_SECOND)),
                  "relay",
                  "--host",
                  relayIp,
                  "--port",
                  "3340",
                  "--stun-port",
                  "3478"));
      String url = relay.await("relay ", START);
      assertEquals("http://" + relayIp + ":3340", url);
      LabProcess sender =
          lab.exec(
              senderSide.hostNamespace(),
              "send",
              LabCli.command(Map.of(), "send", file.toString(), "--relay", url));
      String ticket = sender.await("ticket ", START);
      // The file's bytes that crossed the public segment straight to the receiver's NAT.
      LabCounter direct = LabCounter.udpTo(lab, senderSide, LabCounter.publicAddress(receiverSide));
      LabCounter relayed = LabCounter.tcpTo(lab, senderSide, lab.relayAddresses().get(0));
      long ready = System.nanoTime();
      LabProcess receiver =
          lab.exec(
              receiverSide.hostNamespace(),
              "receive",
              LabCli.command(Map.of(), "receive", ticket, "--relay", url, "--out", out.toString()));
      boolean receiverEnded = receiver.waitFor(END);
      // A sender whose receiver failed waits for the next one: only a little grace then.
      boolean received0 = receiverEnded && receiver.exitValue() == 0;
      boolean senderEnded = sender.waitFor(received0 ? END : Duration.ofSeconds(5));
      long done = System.nanoTime();
      receiver.close();
      sender.close();
      long directBytes = direct.read().bytes();
      long relayedBytes = relayed.read().bytes();
      List<String> sent = LabCli.lines(sender);
      List<String> received = LabCli.lines(receiver);
      String context =
          "\nsend:\n  "
              + String.join("\n  ", sent)
              + sender.logTail()
              + "\nreceive:\n  "
              + String.join("\n  ", received)
              + receiver.logTail();
      assertTrue(receiverEnded, "receive still running after " + END + context);
      assertEquals(0, receiver.exitValue(), "receive's exit status" + context);
      assertTrue(senderEnded, "send still running after its receiver ended" + context);
      assertEquals(0, sender.exitValue(), "send's exit status" + context);
      Path saved = out.resolve(file.getFileName());
      assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(saved), context);
      assertTrue(
          sent.contains("delivered " + SIZE + " bytes, sha256 " + sha + " verified"), context);
      assertTrue(
          received.stream()
              .anyMatch(
                  l -> l.startsWith("saved      " + saved + " (" + SIZE + " bytes, sha256 " + sha)),
          context);
      // Off a terminal the progress is one summary line on stderr, and nothing else is there.
      TransferChecks.assertOneLine(LabCli.err(lab, "send"), "sent +" + SIZE + " bytes in .*");
      TransferChecks.assertOneLine(
          LabCli.err(lab, "receive"), "received +" + SIZE + " bytes in .*");
      System.out.printf(
          "NatLabSendReceiveTest %s x %s: %d MiB in %d ms from the receiver's start"
              + " (lab and first JVMs %d ms), %d bytes of UDP went straight to the receiver's NAT,"
              + " %d of TCP to the relay%n  send:    %s%n  receive: %s%n",
          senderKind,
          receiverKind,
          SIZE >> 20,
          (done - ready) / 1_000_000,
          (ready - t0) / 1_000_000,
          directBytes,
          relayedBytes,
          LabCli.paths(sent),
          LabCli.paths(received));
      return new Transfer(url, senderSide, receiverSide, sent, received, directBytes, relayedBytes);
    }
  }

  /**
   * The side's path lines: first relayed via the relay; then, if {@code direct}, exactly one move
   * to the peer's router address (its NAT's mapping, not its private address), and nothing after.
   */
  private static void assertPaths(List<String> lines, String url, LabSide peer, boolean direct) {
    List<String> paths = LabCli.paths(lines);
    String all = String.join("\n", lines);
    assertEquals("relayed via " + url, paths.get(0), "starts on the relay:\n" + all);
    if (!direct) {
      assertEquals(1, paths.size(), "stays on the relay:\n" + all);
      return;
    }
    assertEquals(2, paths.size(), "relayed, then direct, and no other change:\n" + all);
    Pattern toPeer =
        Pattern.compile(
            "direct "
                + Pattern.quote(peer.routerPublicAddress().getHostAddress())
                + ":\\d+ \\(.+\\)");
    assertTrue(toPeer.matcher(paths.get(1)).matches(), "direct to the peer's NAT:\n" + all);
  }
}
