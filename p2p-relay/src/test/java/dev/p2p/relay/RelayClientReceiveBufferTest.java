package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.RelayClient;
import io.netty.channel.ChannelOption;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The relay client's socket receive buffer: bounded by default, settable, range-checked. */
class RelayClientReceiveBufferTest {
  @Test
  void theSocketGetsTheReceiveBufferAsked() {
    RelayServer relay = RelayServer.builder().stunPort(-1).build().start();
    try (TestClient byDefault = TestClient.login(relay);
        TestClient big =
            TestClient.login(
                relay, Ed25519Identity.generate(), o -> o.withReceiveBuffer(4 << 20))) {
      // Linux reports twice what was set (the kernel's bookkeeping share).
      int d = byDefault.client().channel().config().getOption(ChannelOption.SO_RCVBUF);
      int b = big.client().channel().config().getOption(ChannelOption.SO_RCVBUF);
      assertTrue(
          d >= RelayClient.SOCKET_RECEIVE_BUFFER && d <= 2 * RelayClient.SOCKET_RECEIVE_BUFFER,
          "default " + d);
      assertTrue(b >= 4 << 20, "asked 4 MiB, got " + b);
    } finally {
      relay.close();
    }
  }

  @Test
  void outOfRangeIsRefusedWithTheRange() {
    RelayClient.Options o =
        RelayClient.Options.of(
            URI.create("http://127.0.0.1:1"), Ed25519Identity.generate(), TestClient.GROUP);
    assertEquals(RelayClient.SOCKET_RECEIVE_BUFFER, o.receiveBuffer());
    assertEquals(0, o.withReceiveBuffer(0).receiveBuffer());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> o.withReceiveBuffer(4096));
    assertTrue(e.getMessage().contains("65536"), e.getMessage());
  }
}
