package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.RelayServer;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.RelayClient;
import dev.p2p.relay.internal.RelayRefusedException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The relay command's options reach the server: --token (or P2P_RELAY_TOKEN) gates logins. */
@Timeout(60)
class RelayCommandTest {
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

  @AfterEach
  void close() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private static RelayServer start(P2PConfig env, String... args) {
    RelayCommand c = new RelayCommand();
    new CommandLine(c).parseArgs(args);
    return c.configure(env).build().start();
  }

  @Test
  void theThreadsFlagIsCheckedAndTheRelayForwardsWithOneThread() throws Exception {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> start(P2PConfig.empty(), "--port", "0", "--stun-port", "-1", "--threads", "0"));
    assertTrue(e.getMessage().contains("--threads"), e.getMessage());
    try (RelayServer relay =
        start(P2PConfig.empty(), "--port", "0", "--stun-port", "-1", "--threads", "1")) {
      login(relay, "").close();
    }
  }

  @Test
  void theTokenFlagRefusesClientsWithoutIt() throws Exception {
    try (RelayServer relay =
        start(P2PConfig.empty(), "--port", "0", "--stun-port", "-1", "--token", "s3cret")) {
      assertRefused(relay, "", CloseReason.UNAUTHORIZED);
      assertRefused(relay, "wrong", CloseReason.UNAUTHORIZED);
      login(relay, "s3cret").close();
    }
  }

  @Test
  void theFlagOverridesTheEnvironmentsToken() throws Exception {
    P2PConfig env = P2PConfig.builder().set("P2P_RELAY_TOKEN", "from-env").build();
    try (RelayServer relay = start(env, "--port", "0", "--stun-port", "-1")) {
      assertRefused(relay, "", CloseReason.UNAUTHORIZED);
      login(relay, "from-env").close();
    }
    try (RelayServer relay = start(env, "--port", "0", "--stun-port", "-1", "--token", "flag")) {
      assertRefused(relay, "from-env", CloseReason.UNAUTHORIZED);
      login(relay, "flag").close();
    }
  }

  @Test
  void badValuesAreUserErrors() {
    assertEquals(2, Main.run("relay", "--port", "70000"));
    assertEquals(2, Main.run("relay", "--port", "0", "--stun-port", "-2"));
    assertEquals(2, Main.run("relay", "--port", "0", "--token", " "));
    assertEquals(2, Main.run("relay", "--port", "0", "--tls-cert", "/x.pem"));
    assertEquals(2, Main.run("relay", "--port", "0", "--for", "0"));
  }

  private RelayClient login(RelayServer relay, String token) throws Exception {
    return RelayClient.connect(
            RelayClient.Options.of(relay.url(), Ed25519Identity.generate(), group).withToken(token))
        .get(10, TimeUnit.SECONDS);
  }

  private void assertRefused(RelayServer relay, String token, CloseReason reason) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> login(relay, token));
    assertEquals(reason, assertInstanceOf(RelayRefusedException.class, e.getCause()).reason());
  }
}
