package dev.p2p.tunnel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.tunnel.internal.ErrorCode;
import dev.p2p.tunnel.internal.FailReason;
import dev.p2p.tunnel.internal.TunnelFrame;
import dev.p2p.tunnel.internal.TunnelProtocol;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The server's side of per-connection flow control: it enforces windows and one dialect. */
class TunnelServerFlowControlTest {
  private final TunnelServer server = TunnelServer.builder().port(0).start();

  @AfterEach
  void stop() {
    server.close();
  }

  private RawTunnelClient flowControlled() throws IOException {
    RawTunnelClient c = RawTunnelClient.connect(server);
    assertInstanceOf(TunnelFrame.Registered.class, c.registerWithFlowControl());
    return c;
  }

  private RawTunnelClient older() throws IOException {
    RawTunnelClient c = RawTunnelClient.connect(server);
    assertInstanceOf(TunnelFrame.Registered.class, c.register(0, ""));
    return c;
  }

  /**
   * A client that sends more than its receiver granted is closed with FLOW_CONTROL: the server
   * would otherwise have to buffer it. Its peer hears that the connection ended and stays
   * registered.
   */
  @Test
  void aClientThatOversendsItsWindowIsClosedAndItsPeerStays() throws Exception {
    try (RawTunnelClient sender = flowControlled();
        RawTunnelClient receiver = flowControlled()) {
      long id = RawTunnelClient.open(sender, receiver, 2);
      byte[] chunk = new byte[64 * 1024];
      int frames = TunnelProtocol.INITIAL_WINDOW / chunk.length;
      for (int i = 0; i < frames; i++) {
        sender.sendData(id, 0, i, true, chunk); // exactly the window: allowed
      }
      for (int i = 0; i < frames; i++) {
        Object f = receiver.read();
        assertInstanceOf(RawTunnelClient.Data.class, f, "frame " + i + " within the window");
      }
      sender.sendData(id, 0, frames, true, new byte[1]); // one byte beyond
      Object error = sender.expect(TunnelFrame.Error.class);
      assertEquals(ErrorCode.FLOW_CONTROL, ((TunnelFrame.Error) error).code());
      assertTrue(
          ((TunnelFrame.Error) error).message().contains("WINDOW_UPDATE"),
          ((TunnelFrame.Error) error).message());
      assertTrue(sender.closedByServer());
      TunnelFrame.Reset reset = receiver.expect(TunnelFrame.Reset.class);
      assertEquals(id, reset.connectionId());
      assertTrue(server.isRegistered(receiver.peer()), "the receiver is not punished");
    }
  }

  /** Within the window, a grant lets the sender go on: the limit is the credit, not a total. */
  @Test
  void aGrantLetsTheSenderGoOn() throws Exception {
    try (RawTunnelClient sender = flowControlled();
        RawTunnelClient receiver = flowControlled()) {
      long id = RawTunnelClient.open(sender, receiver, 2);
      byte[] chunk = new byte[64 * 1024];
      int frames = TunnelProtocol.INITIAL_WINDOW / chunk.length;
      for (int i = 0; i < frames; i++) {
        sender.sendData(id, 0, i, true, chunk);
        receiver.expect(RawTunnelClient.Data.class);
      }
      receiver.send(new TunnelFrame.WindowUpdate(id, chunk.length));
      assertEquals(id, sender.expect(TunnelFrame.WindowUpdate.class).connectionId());
      sender.sendData(id, 0, frames, true, chunk);
      assertEquals(frames, receiver.expect(RawTunnelClient.Data.class).number());
    }
  }

  /**
   * A client with flow control and one without cannot share a connection (the older one would never
   * grant, the newer one would stall): refused both ways, naming the client to upgrade.
   */
  @Test
  void connectionsBetweenOldAndNewClientsAreRefusedBothWays() throws Exception {
    try (RawTunnelClient modern = flowControlled();
        RawTunnelClient legacy = older()) {
      modern.requestConnection(1, legacy.peer(), 2);
      assertRefusedNaming(modern.expect(TunnelFrame.FailedConnect.class), legacy);
      legacy.requestConnection(2, modern.peer(), 4);
      assertRefusedNaming(legacy.expect(TunnelFrame.FailedConnect.class), legacy);
      assertEquals(0, server.relayManager().getActiveConnectionCount());
      // Each can still reach its own kind.
      try (RawTunnelClient modern2 = flowControlled();
          RawTunnelClient legacy2 = older()) {
        RawTunnelClient.open(modern, modern2, 6);
        RawTunnelClient.open(legacy, legacy2, 8);
      }
    }
  }

  private static void assertRefusedNaming(TunnelFrame.FailedConnect f, RawTunnelClient legacy) {
    assertEquals(FailReason.REFUSED, f.reason(), f.message());
    assertTrue(f.message().contains(legacy.peer().shortString()), f.message());
    assertTrue(f.message().contains("without flow control"), f.message());
  }
}
