package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.PeerAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code p2p relay}, then peers told about it with {@code --relay} and kept off the direct path
 * ({@code P2P_RELAY_ONLY=true}): the ticket carries the relay, the transfer goes through it, and
 * both sides print the relayed path. Four processes on loopback.
 */
@Timeout(180)
class RelayPathProcessTest {
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration END = Duration.ofSeconds(90);
  private static final Map<String, String> RELAY_ONLY = Map.of("P2P_RELAY_ONLY", "true");

  @TempDir Path dir;

  @Test
  void listenAndConnectThroughTheRelayPrintTheRelayedPath() throws Exception {
    try (CliProcess relay = CliProcess.start("relay", "--port", "0", "--stun-port", "0")) {
      String url = relay.awaitOut("^relay +(http://127\\.0\\.0\\.1:\\d+)$", START);
      try (CliProcess listener =
              CliProcess.start(
                  RELAY_ONLY, "listen", "--addr", "127.0.0.1:0", "--relay", url, "--once");
          CliProcess sender =
              CliProcess.start(
                  RELAY_ONLY, "connect", "--relay", url, listener.awaitTicket(START))) {
        sender.stdin("through the relay\n");
        assertEquals(0, sender.exitCode(END), sender.toString());
        assertEquals(0, listener.exitCode(END), listener.toString());
        assertRelayed(url, sender, listener);
        assertTrue(sender.out().contains("echo       through the relay\n"), sender.out());
      }
    }
  }

  @Test
  void sendAndReceiveThroughTheRelayByTheTicketAlone() throws Exception {
    Path file = dir.resolve("via-relay.bin");
    byte[] bytes = new byte[4 << 20];
    new Random(11).nextBytes(bytes);
    Files.write(file, bytes);
    Path out = Files.createDirectory(dir.resolve("in"));
    try (CliProcess relay = CliProcess.start("relay", "--port", "0", "--stun-port", "0")) {
      String url = relay.awaitOut("^relay +(http://127\\.0\\.0\\.1:\\d+)$", START);
      try (CliProcess sender =
          CliProcess.start(
              RELAY_ONLY, "send", file.toString(), "--addr", "127.0.0.1:0", "--relay", url)) {
        String ticket = sender.awaitTicket(START);
        assertEquals(
            Optional.of(URI.create(url)),
            PeerAddress.parseTicket(ticket).relay(),
            "the ticket names the relay");
        // No --relay here: the ticket's relay is enough.
        try (CliProcess receiver =
            CliProcess.start(RELAY_ONLY, "receive", ticket, "--out", out.toString())) {
          assertEquals(0, receiver.exitCode(END), receiver.toString());
          assertEquals(0, sender.exitCode(END), sender.toString());
          assertRelayed(url, sender, receiver);
          assertArrayEquals(bytes, Files.readAllBytes(out.resolve("via-relay.bin")));
        }
      }
    }
  }

  private static void assertRelayed(String url, CliProcess... peers) {
    Pattern relayed = Pattern.compile("(?m)^path +relayed via " + Pattern.quote(url) + "$");
    for (CliProcess p : peers) {
      assertTrue(relayed.matcher(p.out()).find(), p.toString());
      assertTrue(!p.out().contains("path       direct"), "never direct: " + p);
    }
  }
}
