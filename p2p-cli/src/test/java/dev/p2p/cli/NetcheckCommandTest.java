package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.RelayServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code p2p netcheck} asks the relays' STUN servers and says what it found and what it means. */
@Timeout(60)
class NetcheckCommandTest {
  private static String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new NetcheckCommand());
    cl.setOut(new PrintWriter(out));
    int code = cl.execute(args);
    assertEquals(0, code, out.toString());
    return out.toString();
  }

  @Test
  void onLoopbackARelaySeesTheSocketsOwnAddress() {
    try (RelayServer relay =
        RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start()) {
      int stun = relay.stunAddress().orElseThrow().getPort();
      String out =
          run("--relay", relay.url().toString(), "--stun-port", "" + stun, "--timeout", "3000");
      assertTrue(out.contains("NAT type: NO_NAT"), out);
      assertTrue(out.contains("reflexive /127.0.0.1:"), out);
      assertTrue(out.contains("relay " + relay.url() + ": up, HTTP round trip"), out);
      assertTrue(out.contains("verdict: no NAT"), out);
    }
  }

  @Test
  void withoutStunPortEachRelaysOwnStunPortIsAsked() {
    // STUN on a free port, not 3478: netcheck learns it from the relay's /healthz, as peers do at
    // login, so a relay on any STUN port is not reported as blocked.
    try (RelayServer relay =
        RelayServer.builder().host("127.0.0.1").port(0).stunPort(0).build().start()) {
      String out = run("--relay", relay.url().toString(), "--timeout", "3000");
      assertTrue(out.contains("NAT type: NO_NAT"), out);
      assertTrue(out.contains("relay " + relay.url() + ": up, HTTP round trip"), out);
    }
  }

  @Test
  void relaysWithoutStunSayTheTypeIsUnknown() {
    try (RelayServer relay =
        RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start()) {
      String out = run("--relay", relay.url().toString(), "--timeout", "1000");
      assertTrue(out.contains("verdict: no relay answers STUN"), out);
    }
  }

  @Test
  void aSilentStunPortIsReportedAsBlockedAndTheRelayAsUnreachable() throws Exception {
    int silent;
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      silent = s.getLocalPort();
    }
    String out =
        run("--relay", "http://127.0.0.1:1", "--stun-port", "" + silent, "--timeout", "500");
    assertTrue(out.contains("NAT type: BLOCKED"), out);
    assertTrue(out.contains("relay http://127.0.0.1:1: unreachable"), out);
    assertTrue(out.contains("verdict: no STUN answer"), out);
  }

  @Test
  void aStunServerWithoutAPortIsAUserError() {
    NetcheckCommand c = new NetcheckCommand();
    new CommandLine(c).parseArgs("--stun", "nohostport");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::call);
    assertTrue(e.getMessage().contains("give HOST:PORT"), e.getMessage());
  }
}
