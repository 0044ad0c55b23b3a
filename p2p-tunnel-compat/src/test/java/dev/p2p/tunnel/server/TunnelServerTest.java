package dev.p2p.tunnel.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.ErrorCode;
import dev.p2p.tunnel.internal.FailReason;
import dev.p2p.tunnel.internal.TunnelFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TunnelServerTest {
  private TunnelServer server = TunnelServer.builder().port(0).start();

  @AfterEach
  void stop() {
    server.close();
  }

  private static void assertError(ErrorCode code, Object frame) {
    TunnelFrame.Error error = assertInstanceOf(TunnelFrame.Error.class, frame);
    assertEquals(code, error.code(), error.message());
  }

  private static void await(java.util.function.BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void portZeroBindsAFreePortAndReportsIt() {
    assertTrue(server.port() > 0);
    assertEquals(server.port(), server.localAddress().getPort());
    assertTrue(server.localAddress().getAddress().isLoopbackAddress());
  }

  @Test
  void clientRegistersBySigningTheChallenge() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      TunnelFrame.Registered ok = assertInstanceOf(TunnelFrame.Registered.class, c.register(0, ""));
      assertEquals(TunnelServer.DEFAULT_MAX_FRAME_SIZE, ok.maxFrameSize());
      assertTrue(server.isRegistered(c.peer()));
    }
  }

  @Test
  void aSignatureByAnotherKeyIsRefused() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      assertError(ErrorCode.AUTHENTICATION_FAILED, c.register(0, "", Ed25519Identity.generate()));
      assertTrue(c.closedByServer());
      assertFalse(server.isRegistered(c.peer()));
    }
  }

  @Test
  void aSignatureForAnotherAppIsRefused() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      c.send(new TunnelFrame.Register(c.peer(), 5, ""));
      TunnelFrame.Challenge challenge = c.expect(TunnelFrame.Challenge.class);
      byte[] signedForApp6 =
          dev.p2p.tunnel.internal.TunnelProtocol.signedChallenge(challenge.nonce(), c.peer(), 6);
      c.send(new TunnelFrame.ChallengeResponse(c.identity.sign(signedForApp6)));
      assertError(ErrorCode.AUTHENTICATION_FAILED, c.read());
    }
  }

  @Test
  void theAccessTokenGatesRegistration() throws Exception {
    server.close();
    server = TunnelServer.builder().port(0).accessToken("s3cret").start();
    try (RawTunnelClient wrong = RawTunnelClient.connect(server);
        RawTunnelClient none = RawTunnelClient.connect(server);
        RawTunnelClient right = RawTunnelClient.connect(server)) {
      assertError(ErrorCode.ACCESS_DENIED, wrong.register(0, "guess"));
      assertError(ErrorCode.ACCESS_DENIED, none.register(0, ""));
      assertInstanceOf(TunnelFrame.Registered.class, right.register(0, "s3cret"));
      assertFalse(server.isRegistered(wrong.peer()));
    }
  }

  @Test
  void aSecondRegistrationReplacesTheFirstWhichIsToldWhy() throws Exception {
    Ed25519Identity id = Ed25519Identity.generate();
    try (RawTunnelClient first = RawTunnelClient.connect(server, id, 0);
        RawTunnelClient other = RawTunnelClient.connect(server);
        RawTunnelClient second = RawTunnelClient.connect(server, id, 0)) {
      assertInstanceOf(TunnelFrame.Registered.class, first.register(0, ""));
      assertInstanceOf(TunnelFrame.Registered.class, other.register(0, ""));
      long conn = RawTunnelClient.open(other, first, 2);
      assertInstanceOf(TunnelFrame.Registered.class, second.register(0, ""));
      assertError(ErrorCode.REPLACED, first.read());
      assertTrue(first.closedByServer());
      // The replaced session's connections end; the peer stays reachable through the new one.
      assertEquals(conn, other.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      assertTrue(server.isRegistered(id.peerId()));
      RawTunnelClient.open(other, second, 4);
    }
  }

  @Test
  void unknownVersionGetsAnErrorAndACloseAndTheServerGoesOn() throws Exception {
    try (RawTunnelClient bad = RawTunnelClient.connect(server)) {
      bad.sendRaw(ByteBuffer.allocate(14).putInt(10).put((byte) 7).put((byte) 0x30).array());
      assertError(ErrorCode.UNSUPPORTED_VERSION, bad.read());
      assertTrue(bad.closedByServer());
    }
    try (RawTunnelClient good = RawTunnelClient.connect(server)) {
      assertInstanceOf(TunnelFrame.Registered.class, good.register(0, ""));
    }
  }

  @Test
  void unknownFrameTypeGetsAnErrorAndAClose() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      assertInstanceOf(TunnelFrame.Registered.class, c.register(0, ""));
      c.sendRaw(
          ByteBuffer.allocate(7).putInt(3).put((byte) 1).put((byte) 0x6F).put((byte) 0).array());
      assertError(ErrorCode.UNKNOWN_FRAME_TYPE, c.read());
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void framesBeforeRegistrationAreRefused() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      c.send(new TunnelFrame.Ping(1));
      assertError(ErrorCode.UNEXPECTED_FRAME, c.read());
      assertTrue(c.closedByServer());
    }
  }

  @Test
  void anUnregisteredClientCannotSendLargeFrames() throws Exception {
    try (RawTunnelClient c = RawTunnelClient.connect(server)) {
      c.sendRaw(ByteBuffer.allocate(6).putInt(100_000).put((byte) 1).put((byte) 1).array());
      assertError(ErrorCode.FRAME_TOO_LARGE, c.read());
    }
  }

  @Test
  void connectingToAnUnknownPeerOrAnotherAppFails() throws Exception {
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient otherApp = RawTunnelClient.connect(server)) {
      a.register(1, "");
      otherApp.register(2, "");
      a.requestConnection(9, Ed25519Identity.generate().peerId(), 2);
      TunnelFrame.FailedConnect unknown = a.expect(TunnelFrame.FailedConnect.class);
      assertEquals(9, unknown.requestId());
      assertEquals(FailReason.UNKNOWN_DESTINATION, unknown.reason());
      a.requestConnection(10, otherApp.peer(), 2);
      TunnelFrame.FailedConnect crossApp = a.expect(TunnelFrame.FailedConnect.class);
      assertEquals(FailReason.UNKNOWN_DESTINATION, crossApp.reason(), crossApp.message());
      assertEquals(0, server.relayManager().getActiveConnectionCount());
    }
  }

  @Test
  void aRefusedConnectIsReportedToTheRequester() throws Exception {
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient b = RawTunnelClient.connect(server)) {
      a.register(0, "");
      b.register(0, "");
      a.requestConnection(3, b.peer(), 2);
      TunnelFrame.ConnectRequest incoming = b.expect(TunnelFrame.ConnectRequest.class);
      b.send(
          new TunnelFrame.FailedConnect(
              0, incoming.connectionId(), a.peer(), FailReason.REFUSED, "not listening"));
      TunnelFrame.FailedConnect failed = a.expect(TunnelFrame.FailedConnect.class);
      assertEquals(3, failed.requestId());
      assertEquals(FailReason.REFUSED, failed.reason());
      assertEquals("not listening", failed.message());
      assertEquals(0, server.relayManager().getActiveConnectionCount());
    }
  }

  @Test
  void dataIsRelayedUnchangedAndCounted() throws Exception {
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient b = RawTunnelClient.connect(server)) {
      a.register(0, "");
      b.register(0, "");
      a.requestConnection(1, b.peer(), 6);
      TunnelFrame.ConnectRequest incoming = b.expect(TunnelFrame.ConnectRequest.class);
      assertEquals(a.peer(), incoming.peer());
      assertEquals(6, incoming.virtualPort());
      assertEquals(ConnectionType.NETWORKING_SOCKETS, incoming.connectionType());
      RelayConnection pending =
          server.relayManager().getConnection(incoming.connectionId()).orElseThrow();
      assertEquals(RelayConnectionState.CONNECTING, pending.state());
      b.send(new TunnelFrame.ConnectAccepted(0, incoming.connectionId(), a.peer(), 0));
      long id = a.expect(TunnelFrame.ConnectAccepted.class).connectionId();
      assertEquals(
          RelayConnectionState.CONNECTED, server.relayManager().getConnection(id).get().state());

      a.sendData(id, 1, 0, true, new byte[] {1, 2, 3});
      b.sendData(id, 0, 0, false, new byte[] {4});
      RawTunnelClient.Data atB = b.expect(RawTunnelClient.Data.class);
      assertEquals(new RawTunnelClient.Data(id, 1, 0, true, atB.payload()), atB);
      assertArrayEquals(new byte[] {1, 2, 3}, atB.payload());
      RawTunnelClient.Data atA = a.expect(RawTunnelClient.Data.class);
      assertArrayEquals(new byte[] {4}, atA.payload());
      assertFalse(atA.last());
      await(() -> server.relayManager().getStatistics().totalPackets() == 2, "two packets");
      assertEquals(4, server.relayManager().getStatistics().totalBytes());

      // a ends; b is told and confirms; then the connection is gone.
      a.send(new TunnelFrame.ConnectionEnd(id, "done"));
      assertEquals("done", b.expect(TunnelFrame.ConnectionEnd.class).reason());
      assertEquals(RelayConnectionState.DISCONNECTING, server.relayManager().getState(id));
      b.send(new TunnelFrame.ConnectionEnd(id, "ack"));
      await(() -> server.relayManager().getActiveConnectionCount() == 0, "connection removed");
    }
  }

  @Test
  void dataOnSomeoneElsesConnectionIsNotRelayed() throws Exception {
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient b = RawTunnelClient.connect(server);
        RawTunnelClient intruder = RawTunnelClient.connect(server)) {
      a.register(0, "");
      b.register(0, "");
      intruder.register(0, "");
      long id = RawTunnelClient.open(a, b, 2);
      intruder.sendData(id, 0, 0, true, new byte[] {6, 6, 6});
      assertEquals(id, intruder.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      a.sendData(id, 0, 0, true, new byte[] {1});
      assertArrayEquals(new byte[] {1}, b.expect(RawTunnelClient.Data.class).payload());
    }
  }

  @Test
  void aPeerThatLeavesEndsItsConnections() throws Exception {
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient b = RawTunnelClient.connect(server)) {
      a.register(0, "");
      b.register(0, "");
      long id = RawTunnelClient.open(a, b, 2);
      a.close();
      assertEquals(id, b.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      await(() -> !server.isRegistered(a.peer()), "a unregistered");
      assertEquals(0, server.relayManager().getActiveConnectionCount());
    }
  }

  @Test
  void staleConnectionsAreEndedByThePeriodicCleanup() throws Exception {
    server.close();
    FakeTicker ticker = new FakeTicker();
    server =
        TunnelServer.builder()
            .port(0)
            .ticker(ticker)
            .staleTimeout(Duration.ofMinutes(5))
            .cleanupInterval(Duration.ofMillis(20))
            .start();
    try (RawTunnelClient a = RawTunnelClient.connect(server);
        RawTunnelClient b = RawTunnelClient.connect(server)) {
      a.register(0, "");
      b.register(0, "");
      long id = RawTunnelClient.open(a, b, 2);
      ticker.advance(Duration.ofMinutes(5).plusSeconds(1));
      assertEquals(id, a.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      assertEquals(id, b.expect(TunnelFrame.ConnectionEnd.class).connectionId());
      assertEquals(0, server.relayManager().getActiveConnectionCount());
    }
  }

  @Test
  void closeTellsClientsTheServerIsShuttingDown() throws IOException {
    RawTunnelClient c = RawTunnelClient.connect(server);
    c.register(0, "");
    server.close();
    assertError(ErrorCode.SERVER_SHUTDOWN, c.read());
    c.close();
  }
}
