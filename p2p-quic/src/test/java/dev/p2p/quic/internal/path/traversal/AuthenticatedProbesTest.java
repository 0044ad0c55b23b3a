package dev.p2p.quic.internal.path.traversal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Only a pong that answers our own ping, from the address pinged, under the pinged side's key, and
 * only once, is accepted (the one way a probe can move a path); a ping is answered only if its MAC
 * is right under our key and it is not a replay.
 */
class AuthenticatedProbesTest {
  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;
  private final InetSocketAddress peerAddress = new InetSocketAddress("198.18.1.2", 4000);
  private final ProbeKeys ours = new ProbeKeys(); // A's path to B
  private final ProbeKeys theirs = new ProbeKeys(); // B's path to A
  private final AuthenticatedProbes<String> a = new AuthenticatedProbes<>();
  private final AuthenticatedProbes<String> b = new AuthenticatedProbes<>();
  private final java.util.List<ByteBuf> made = new java.util.ArrayList<>();

  AuthenticatedProbesTest() {
    ours.remote(theirs.localTag(), theirs.localKeyCopy());
    theirs.remote(ours.localTag(), ours.localKeyCopy());
  }

  @AfterEach
  void release() {
    made.forEach(ByteBuf::release);
  }

  private ByteBuf keep(ByteBuf b) {
    if (b != null) {
      made.add(b);
    }
    return b;
  }

  private ByteBuf ping() {
    return keep(a.ping(ALLOC, "path", ours.remote(), peerAddress, 1));
  }

  @Test
  void aPingAnsweredByThePeerConfirmsThePathOnce() {
    ByteBuf ping = ping();
    assertTrue(AuthenticatedProbes.isProbe(ping) && AuthenticatedProbes.isPing(ping));
    assertEquals(theirs.localTag(), AuthenticatedProbes.tag(ping), "names the peer's path");
    ByteBuf pong = keep(b.answer(ALLOC, ping, theirs));
    assertNotNull(pong);
    AuthenticatedProbes.Pending<String> p = a.answered(pong, peerAddress);
    assertNotNull(p);
    assertEquals("path", p.path());
    assertNull(a.answered(pong, peerAddress), "a replayed pong confirms nothing");
  }

  @Test
  void aForgedOrAlteredPingIsNotAnswered() {
    ProbeKeys stranger = new ProbeKeys();
    ByteBuf forged =
        keep(
            a.ping(
                ALLOC,
                "x",
                new ProbeKeys.Remote(theirs.localTag(), stranger.localKeyCopy()),
                peerAddress,
                1));
    assertNull(b.answer(ALLOC, forged, theirs), "right tag, wrong key");
    ByteBuf altered = keep(ping().copy());
    altered.setByte(ProbeCodec.LENGTH - 1, altered.getByte(ProbeCodec.LENGTH - 1) ^ 1);
    assertNull(b.answer(ALLOC, altered, theirs), "one MAC bit flipped");
    ByteBuf nonceChanged = keep(ping().copy());
    nonceChanged.setByte(20, nonceChanged.getByte(20) ^ 1);
    assertNull(b.answer(ALLOC, nonceChanged, theirs), "nonce changed under the MAC");
    assertEquals(3, b.rejected());
  }

  @Test
  void aReplayedPingIsAnsweredOnlyTheFirstTime() {
    ByteBuf ping = ping();
    assertNotNull(keep(b.answer(ALLOC, ping, theirs)));
    assertNull(b.answer(ALLOC, ping, theirs));
  }

  @Test
  void aPongFromElsewhereOrUnderAnotherKeyOrForNoPingIsRefused() {
    ByteBuf ping = ping();
    ByteBuf pong = keep(b.answer(ALLOC, ping, theirs));
    assertNull(a.answered(pong, new InetSocketAddress("198.18.9.9", 4000)), "from another address");
    // A pong the attacker makes for the right nonce but without the key.
    ProbeKeys attacker = new ProbeKeys();
    ByteBuf forged =
        keep(
            ProbeCodec.encode(
                ALLOC,
                ProbeCodec.PONG,
                theirs.localTag(),
                ProbeCodec.nonce(ping),
                attacker.localKeyCopy()));
    assertNull(a.answered(forged, peerAddress), "no key");
    ByteBuf unasked =
        keep(
            ProbeCodec.encode(
                ALLOC, ProbeCodec.PONG, theirs.localTag(), 42, theirs.localKeyCopy()));
    assertNull(a.answered(unasked, peerAddress), "answers no ping of ours");
    assertNotNull(a.answered(pong, peerAddress), "the real pong still works after all that");
  }

  @Test
  void junkIsNotAProbe() {
    ByteBuf junk = keep(Unpooled.wrappedBuffer(new byte[ProbeCodec.LENGTH]));
    assertTrue(!AuthenticatedProbes.isProbe(junk));
    ByteBuf wrongType = keep(ping().copy());
    wrongType.setByte(8, 7);
    assertTrue(!AuthenticatedProbes.isProbe(wrongType));
  }
}
