package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every error a user can cause is one line on stderr and exit status 2, never "unexpected error"
 * with a stack trace, whatever future wrapped it inside the command.
 */
@Timeout(120)
class UserErrorsProcessTest {
  private static final Duration END = Duration.ofSeconds(30);

  /** A connect timeout far longer than the test allows: only a check before dialling passes. */
  private static final Map<String, String> LONG_CONNECT_TIMEOUT =
      Map.of("P2P_CONNECT_TIMEOUT_MS", "120000");

  /** A connect timeout short enough that giving up is part of the test. */
  private static final Map<String, String> SHORT_CONNECT_TIMEOUT =
      Map.of("P2P_CONNECT_TIMEOUT_MS", "1500");

  @TempDir Path dir;

  /** Runs p2p, asserts exit 2 and one "p2p: " line on stderr matching {@code regex}. */
  private static CliProcess fails(Map<String, String> env, String regex, String... args)
      throws Exception {
    CliProcess p = CliProcess.start(env, args);
    try (p) {
      assertEquals(2, p.exitCode(END), p.toString());
      String line = TransferChecks.assertOneLine(p.err(), "p2p: " + regex);
      assertFalse(line.contains("unexpected"), line);
    }
    return p;
  }

  private static CliProcess fails(String regex, String... args) throws Exception {
    return fails(Map.of(), regex, args);
  }

  @Test
  void listenOnAMalformedAddress() throws Exception {
    fails(".*must be host:port.*got 'foo'", "listen", "--addr", "foo");
  }

  @Test
  void listenOnAPortInUse() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      fails(
          ".*" + taken.getLocalPort() + ".*in use.*",
          "listen",
          "--addr",
          "127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void connectToATicketNobodyListensOn() throws Exception {
    int port = freeUdpPort();
    fails(SHORT_CONNECT_TIMEOUT, nobodyAnswers(port), "connect", nobodyAt(port));
  }

  @Test
  void connectFileMissingIsCheckedBeforeConnecting() throws Exception {
    long start = System.nanoTime();
    fails(
        LONG_CONNECT_TIMEOUT,
        "--file \\S*missing\\.bin: no such file",
        "connect",
        "--file",
        dir.resolve("missing.bin").toString(),
        nobodyAt(9));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos());
  }

  @Test
  void aRelayThatIsNotAUrlIsCheckedBeforeConnecting() throws Exception {
    fails(
        LONG_CONNECT_TIMEOUT,
        "--relay relay\\.example:3340: not a relay URL; give http://host:port.*",
        "connect",
        "--relay",
        "relay.example:3340",
        nobodyAt(9));
  }

  @Test
  void connectFileThatIsADirectory() throws Exception {
    fails(
        LONG_CONNECT_TIMEOUT,
        "--file \\S+: is a directory, give a file",
        "connect",
        "--file",
        dir.toString(),
        nobodyAt(9));
  }

  @Test
  void aBinaryKeyFileSaysWhatAKeyFileIsAndHowToMakeOne() throws Exception {
    Path key = dir.resolve("photo.png");
    Files.write(key, new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff, 1, 2});
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    fails(
        "key file \\S*photo\\.png is not a key file: it holds binary data.*p2p keygen.*",
        "listen",
        "--addr",
        "127.0.0.1:0",
        "--key",
        key.toString());
  }

  @Test
  void keygenIntoAMissingDirectoryCreatesNothing() throws Exception {
    Path missing = dir.resolve("no/such/dir");
    fails(
        "cannot write key file \\S+k\\.pem: no directory \\S+; create it first",
        "keygen",
        "-o",
        missing.resolve("k.pem").toString());
    assertFalse(Files.exists(dir.resolve("no")), "no directory created");
  }

  @Test
  void aMalformedTicket() throws Exception {
    fails("malformed ticket: .*", "connect", "p2p1notaticket");
  }

  @Test
  void listenSaveIntoAMissingDirectory() throws Exception {
    fails(
        "--save \\S+: no such directory; create it first.*",
        "listen",
        "--addr",
        "127.0.0.1:0",
        "--save",
        dir.resolve("nope").toString());
    assertFalse(Files.exists(dir.resolve("nope")));
  }

  @Test
  void sendAMissingFile() throws Exception {
    fails(
        "\\S*missing\\.bin: no such file",
        "send",
        "--addr",
        "127.0.0.1:0",
        dir.resolve("missing.bin").toString());
  }

  @Test
  void sendWithTheSimulatorSaysWhyNot() throws Exception {
    Path file = Files.writeString(dir.resolve("f.txt"), "x");
    fails(
        "p2p send cannot use the simulator: it runs inside one process; use --provider quic.*",
        "send",
        "--provider",
        "simulator",
        file.toString());
  }

  @Test
  void receiveIntoAMissingDirectoryIsCheckedBeforeConnecting() throws Exception {
    fails(
        LONG_CONNECT_TIMEOUT,
        "--out \\S+: no such directory; create it first.*",
        "receive",
        "--out",
        dir.resolve("nope").toString(),
        nobodyAt(9));
    assertFalse(Files.exists(dir.resolve("nope")));
  }

  @Test
  void receiveFromATicketNobodyServes() throws Exception {
    int port = freeUdpPort();
    fails(
        SHORT_CONNECT_TIMEOUT,
        nobodyAnswers(port),
        "receive",
        "--out",
        dir.toString(),
        nobodyAt(port));
  }

  /** A loopback UDP port nothing listens on (it was free a moment ago). */
  private static int freeUdpPort() throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** QUIC tells a closed port (ICMP port unreachable) from silence; either is one line. */
  private static String nobodyAnswers(int port) {
    return "(no answer from|nothing listens at) .*" + port + ".*is the peer running.*";
  }

  /** A ticket for a fresh peer id at a loopback port where nothing runs. */
  private static String nobodyAt(int port) {
    return PeerAddress.of(
            Ed25519Identity.generate().peerId(),
            List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
        .toTicket();
  }
}
