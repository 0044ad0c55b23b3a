package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** --relay and --key reach the provider's configuration, over the environment's. */
class PeerOptionsTest {
  private static final P2PConfig ENV =
      P2PConfig.builder()
          .set(PeerOptions.RELAY_SERVERS, "http://from-env:1")
          .set("P2P_KEY_FILE", "/env/key.pem")
          .set("P2P_IDLE_TIMEOUT_MS", "5000")
          .build();

  private static PeerOptions connect(String... args) {
    ConnectCommand c = new ConnectCommand();
    new CommandLine(c).parseArgs(args);
    return c.peer;
  }

  @Test
  void repeatedAndCommaSeparatedRelaysOverrideTheEnvironmentInOrder() {
    P2PConfig config =
        connect(
                "--relay",
                "http://127.0.0.1:3340",
                "--relay",
                "https://relay.example:443,HTTP://[::1]:3341/",
                "--key",
                "/flag/key.pem",
                "p2p1ticket")
            .config(ENV, "quic");
    assertEquals(
        Optional.of("http://127.0.0.1:3340,https://relay.example:443,http://[::1]:3341"),
        config.get(PeerOptions.RELAY_SERVERS));
    assertEquals(Optional.of("/flag/key.pem"), config.get("P2P_KEY_FILE"));
    assertEquals(Optional.of("quic"), config.implementation());
    assertEquals(Optional.of("5000"), config.get("P2P_IDLE_TIMEOUT_MS"), "the rest is kept");
  }

  @Test
  void withoutFlagsTheEnvironmentDecides() {
    P2PConfig config = connect("p2p1ticket").config(ENV, null);
    assertEquals(Optional.of("http://from-env:1"), config.get(PeerOptions.RELAY_SERVERS));
    assertEquals(Optional.of("/env/key.pem"), config.get("P2P_KEY_FILE"));
    assertEquals(Optional.empty(), config.implementation());
  }

  @Test
  void listenTakesTheSameOptions() {
    ListenCommand l = new ListenCommand();
    new CommandLine(l).parseArgs("--relay", "http://127.0.0.1:3340");
    assertEquals(
        Optional.of("http://127.0.0.1:3340"),
        l.peer.config(P2PConfig.empty(), "quic").get(PeerOptions.RELAY_SERVERS));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1:3340",
        "relay.example",
        "ftp://relay.example:21",
        "http://relay.example",
        "http://relay.example:3340/relay",
        "http://user@relay.example:3340",
        "http://relay.example:3340?x=1",
        "http://bad host:1"
      })
  void aValueThatIsNotARelayUrlIsRefusedNamingTheFlagAndTheForm(String bad) {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> connect("--relay", bad, "p2p1ticket").config(P2PConfig.empty(), "quic"));
    assertTrue(e.getMessage().startsWith("--relay " + bad + ": not a relay URL"), e.getMessage());
    assertTrue(e.getMessage().contains("http://host:port"), e.getMessage());
  }
}
