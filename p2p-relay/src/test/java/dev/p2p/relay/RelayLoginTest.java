package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.internal.CloseReason;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayProtocol;
import dev.p2p.relay.internal.RelayRefusedException;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The challenge login: what is accepted, and each refusal arrives as a reason frame then close. */
@ExtendWith(NettyLeakCheck.class)
class RelayLoginTest {
  private RelayServer relay;

  @AfterEach
  void stop() {
    if (relay != null) {
      relay.close();
    }
  }

  private RelayServer start(RelayServerBuilder b) {
    relay = b.stunPort(-1).build().start();
    return relay;
  }

  private static RelayRefusedException refused(Runnable login) {
    CompletionException e = assertThrows(CompletionException.class, login::run);
    return assertInstanceOf(RelayRefusedException.class, e.getCause());
  }

  @Test
  void theWelcomeNamesTheBoundStunPort() throws Exception {
    relay = RelayServer.builder().stunPort(0).build().start();
    try (TestClient a = TestClient.login(relay)) {
      int stun = relay.stunAddress().orElseThrow().getPort();
      assertTrue(stun > 0);
      assertEquals(stun, a.client().welcome().stunPort());
    }
  }

  @Test
  void aSignedChallengeLogsInAndTheWelcomeCarriesTheLimits() throws Exception {
    start(RelayServer.builder().maxPacketSize(2000).queue(64, 1 << 20));
    try (TestClient a = TestClient.login(relay)) {
      RelayFrame.Welcome w = a.client().welcome();
      assertEquals(2000, w.maxPacketSize());
      assertEquals(64, w.queuePackets());
      assertEquals(15_000, w.pingIntervalMillis());
      assertEquals(60_000, w.idleTimeoutMillis());
      assertEquals(0, w.stunPort(), "STUN is off in this test: the welcome must say so");
      assertTrue(relay.isLoggedIn(a.id()));
      assertEquals(1, relay.clientCount());
    }
  }

  @Test
  void eachConnectionGetsAFreshChallenge() throws Exception {
    start(RelayServer.builder());
    try (RawClient x = new RawClient(relay);
        RawClient y = new RawClient(relay)) {
      RelayFrame.Challenge cx = x.challenge();
      RelayFrame.Challenge cy = y.challenge();
      assertEquals(RelayProtocol.VERSION, cx.version());
      assertEquals(RelayProtocol.CHALLENGE_LENGTH, cx.challenge().length);
      assertNotEquals(Arrays.toString(cx.challenge()), Arrays.toString(cy.challenge()));
    }
  }

  @Test
  void aSignatureOfTheWrongBytesIsRefused() throws Exception {
    start(RelayServer.builder());
    Ed25519Identity me = Ed25519Identity.generate();
    try (RawClient raw = new RawClient(relay)) {
      byte[] challenge = raw.challenge().challenge();
      // Signed without the domain string: a signature made for some other protocol.
      raw.send(
          RelayFrameCodec.login(
              ByteBufAllocator.DEFAULT, PeerKey.of(me.peerId()), me.sign(challenge), ""));
      RelayFrame.Reason r = (RelayFrame.Reason) raw.next(5000);
      assertEquals(CloseReason.BAD_SIGNATURE, r.reason());
      assertTrue(raw.awaitInactive(5000), "the relay must close after the reason frame");
    }
    assertTrue(
        relay
            .metricsText()
            .contains("p2p_relay_auth_failures_total{reason=\"bad_signature\"} 1.0"));
  }

  @Test
  void claimingSomeoneElsesIdIsRefused() throws Exception {
    start(RelayServer.builder());
    Ed25519Identity me = Ed25519Identity.generate();
    Ed25519Identity victim = Ed25519Identity.generate();
    try (TestClient owner = TestClient.login(relay, victim, o -> o);
        RawClient raw = new RawClient(relay)) {
      byte[] challenge = raw.challenge().challenge();
      byte[] sig = me.sign(RelayProtocol.loginMessage(challenge));
      raw.send(
          RelayFrameCodec.login(ByteBufAllocator.DEFAULT, PeerKey.of(victim.peerId()), sig, ""));
      assertEquals(CloseReason.BAD_SIGNATURE, ((RelayFrame.Reason) raw.next(5000)).reason());
      assertTrue(raw.awaitInactive(5000));
      assertTrue(owner.isOpen(), "a failed impostor must not displace the real owner");
    }
  }

  @Test
  void aReplayedSignatureFailsOnANewChallenge() throws Exception {
    start(RelayServer.builder());
    Ed25519Identity me = Ed25519Identity.generate();
    byte[] oldSig;
    try (RawClient first = new RawClient(relay)) {
      oldSig = me.sign(RelayProtocol.loginMessage(first.challenge().challenge()));
    }
    try (RawClient again = new RawClient(relay)) {
      again.challenge();
      again.send(
          RelayFrameCodec.login(ByteBufAllocator.DEFAULT, PeerKey.of(me.peerId()), oldSig, ""));
      assertEquals(CloseReason.BAD_SIGNATURE, ((RelayFrame.Reason) again.next(5000)).reason());
    }
  }

  @Test
  void bannedIdsAreRefusedAndABanClosesALiveSession() {
    Ed25519Identity banned = Ed25519Identity.generate();
    Ed25519Identity later = Ed25519Identity.generate();
    start(RelayServer.builder().ban(banned.peerId()));
    assertEquals(
        CloseReason.BANNED, refused(() -> TestClient.login(relay, banned, o -> o)).reason());
    TestClient live = TestClient.login(relay, later, o -> o);
    relay.ban(later.peerId());
    assertEquals(CloseReason.BANNED, live.awaitClosed(5000).reason());
    assertEquals(
        CloseReason.BANNED, refused(() -> TestClient.login(relay, later, o -> o)).reason());
    relay.unban(later.peerId());
    TestClient.login(relay, later, o -> o).close();
  }

  @Test
  void theAccessTokenIsRequiredWhenConfigured() {
    start(RelayServer.builder().accessToken("s3cret"));
    RelayRefusedException missing = refused(() -> TestClient.login(relay));
    assertEquals(CloseReason.UNAUTHORIZED, missing.reason());
    assertTrue(missing.getMessage().contains("P2P_RELAY_TOKEN"), missing.getMessage());
    RelayRefusedException wrong =
        refused(
            () -> TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("nope")));
    assertEquals(CloseReason.UNAUTHORIZED, wrong.reason());
    TestClient.login(relay, Ed25519Identity.generate(), o -> o.withToken("s3cret")).close();
    assertTrue(
        relay.metricsText().contains("p2p_relay_auth_failures_total{reason=\"unauthorized\"} 2.0"));
  }

  @Test
  void aSecondLoginReplacesTheFirstAndTellsItWhy() throws Exception {
    start(RelayServer.builder());
    Ed25519Identity me = Ed25519Identity.generate();
    try (TestClient first = TestClient.login(relay, me, o -> o);
        TestClient second = TestClient.login(relay, me, o -> o);
        TestClient other = TestClient.login(relay)) {
      RelayFrame.Reason why = first.awaitClosed(5000);
      assertEquals(CloseReason.REPLACED, why.reason());
      assertTrue(why.message().contains("logged in again"), why.message());
      assertEquals(2, relay.clientCount());
      other.send(second, new byte[] {42});
      assertArrayEquals(new byte[] {42}, second.nextPacket(5000).data());
      assertTrue(first.packets().isEmpty());
    }
  }

  @Test
  void aFullRelayRefusesNewIdsButLetsAKnownIdReplaceItself() {
    start(RelayServer.builder().maxClients(1));
    Ed25519Identity me = Ed25519Identity.generate();
    TestClient.login(relay, me, o -> o);
    assertEquals(CloseReason.SERVER_FULL, refused(() -> TestClient.login(relay)).reason());
    TestClient.login(relay, me, o -> o).close();
  }

  @Test
  void aClientThatNeverLogsInIsClosedAtTheLoginTimeout() throws Exception {
    start(RelayServer.builder().loginTimeout(Duration.ofMillis(300)));
    try (RawClient raw = new RawClient(relay)) {
      raw.challenge();
      RelayFrame.Reason r = (RelayFrame.Reason) raw.next(5000);
      assertEquals(CloseReason.LOGIN_TIMEOUT, r.reason());
      assertTrue(raw.awaitInactive(5000));
      assertTrue(
          relay
              .metricsText()
              .contains("p2p_relay_auth_failures_total{reason=\"login_timeout\"} 1.0"));
    }
  }

  @Test
  void aConnectionThatNeverUpgradesIsClosedAtTheLoginTimeout() throws Exception {
    start(RelayServer.builder().loginTimeout(Duration.ofMillis(300)));
    try (java.net.Socket s = new java.net.Socket(relay.url().getHost(), relay.url().getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes()); // never ends
      long t0 = System.nanoTime();
      assertEquals(-1, s.getInputStream().read(), "the relay must close, not answer");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(ms >= 200 && ms < 4000, "closed after " + ms + " ms");
    }
  }

  @Test
  void connectionsPastThePendingLimitAreClosedOnAcceptAndLoggedInOnesDoNotCount() throws Exception {
    start(RelayServer.builder().maxPending(2));
    TestClient in = TestClient.login(relay); // logged in: no longer pending
    java.util.List<java.net.Socket> idle = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        idle.add(new java.net.Socket(relay.url().getHost(), relay.url().getPort()));
      }
      // Accepts run on two loops, so which of the three is refused is not fixed: exactly one.
      int closed = 0;
      for (java.net.Socket s : idle) {
        s.setSoTimeout(1000);
        try {
          if (s.getInputStream().read() == -1) {
            closed++;
          }
        } catch (java.net.SocketTimeoutException stillOpen) {
          // pending, within the limit
        }
      }
      assertEquals(1, closed, "one idle connection past the limit of 2 must be closed");
    } finally {
      for (java.net.Socket s : idle) {
        s.close();
      }
    }
    TestClient.awaitMetric(relay, "p2p_relay_pending_refused_total 1.0");
    // Once the idle sockets are gone, logins work again.
    long deadline = System.nanoTime() + 5_000_000_000L;
    TestClient again = null;
    while (again == null) {
      try {
        again = TestClient.login(relay);
      } catch (CompletionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(20); // the relay notices the closed sockets on its own loop
      }
    }
    again.close();
    assertTrue(in.isOpen());
    in.close();
  }

  @Test
  void packetsBeforeLoginAreAProtocolError() throws Exception {
    start(RelayServer.builder());
    try (RawClient raw = new RawClient(relay)) {
      raw.challenge();
      raw.send(
          RelayFrameCodec.packet(
              ByteBufAllocator.DEFAULT,
              true,
              PeerKey.of(Ed25519Identity.generate().peerId()),
              io.netty.buffer.Unpooled.wrappedBuffer(new byte[10])));
      assertEquals(CloseReason.PROTOCOL_ERROR, ((RelayFrame.Reason) raw.next(5000)).reason());
      assertTrue(raw.awaitInactive(5000));
    }
  }
}
