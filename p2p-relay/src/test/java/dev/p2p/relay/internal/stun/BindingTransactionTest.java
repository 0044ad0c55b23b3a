package dev.p2p.relay.internal.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.internal.StunCodec;
import dev.p2p.relay.internal.StunMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** One transaction without I/O: its request, its retransmission timer, what completes it. */
class BindingTransactionTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("198.18.0.10", 3478);
  private static final InetSocketAddress MAPPED = new InetSocketAddress("198.18.0.21", 40000);
  private static final long MS = 1_000_000L;

  private static BindingTransaction sentTransaction() {
    BindingTransaction tx = new BindingTransaction(SERVER, Duration.ofMillis(100), 3);
    tx.sent(0);
    return tx;
  }

  /** What the relay's StunHandler would answer to this transaction's request. */
  private static ByteBuffer answer(BindingTransaction tx, InetSocketAddress mapped) {
    StunMessage req = StunCodec.decode(Unpooled.wrappedBuffer(tx.request()));
    return bytes(StunCodec.bindingSuccess(ByteBufAllocator.DEFAULT, req, mapped));
  }

  private static ByteBuffer bytes(ByteBuf buf) {
    byte[] b = new byte[buf.readableBytes()];
    buf.readBytes(b);
    buf.release();
    return ByteBuffer.wrap(b);
  }

  @Test
  void theRequestIsABindingRequestTheRelayAcceptsWithAFingerprint() {
    BindingTransaction tx = sentTransaction();
    ByteBuffer req = tx.request();
    assertEquals(StunPackets.BINDING_REQUEST_LENGTH, req.remaining());
    assertTrue(StunPackets.mayBeStun(req));
    StunMessage m = StunCodec.decode(Unpooled.wrappedBuffer(req));
    assertNotNull(m, "the server's decoder (which checks FINGERPRINT) accepts it");
    assertTrue(m.isBindingRequest());
    assertFalse(m.classic());
    assertEquals(StunCodec.FINGERPRINT, Short.toUnsignedInt(req.getShort(20)));
    byte[] other = new byte[12];
    new BindingTransaction(SERVER, Duration.ofMillis(100), 1).request().position(8).get(other);
    assertFalse(
        java.util.Arrays.equals(m.transactionId(), other), "ids are random per transaction");
  }

  @Test
  void aMatchingSuccessGivesTheMappedAddressAndTheRttFromTheFirstSend() {
    BindingTransaction tx = sentTransaction();
    assertTrue(tx.offer(answer(tx, MAPPED), SERVER, 7 * MS));
    BindingResult r = tx.result();
    assertEquals(BindingResult.Outcome.ANSWERED, r.outcome());
    assertEquals(MAPPED, r.reflexive().orElseThrow());
    assertEquals(Duration.ofMillis(7), r.rtt());
    assertEquals(1, r.sends());
    assertEquals(Long.MAX_VALUE, tx.nextSendAt(8 * MS), "done: nothing more to send");
    assertFalse(tx.offer(answer(tx, MAPPED), SERVER, 9 * MS), "a duplicate answer is not taken");
  }

  @Test
  void ipv6MappedAddressesDecodeToo() {
    BindingTransaction tx = sentTransaction();
    InetSocketAddress v6 = new InetSocketAddress("2001:db8::7", 5555);
    assertTrue(tx.offer(answer(tx, v6), SERVER, MS));
    assertEquals(v6, tx.result().reflexive().orElseThrow());
  }

  @Test
  void answersFromElsewhereWithAnotherIdOrOfAnotherClassAreIgnored() {
    BindingTransaction tx = sentTransaction();
    BindingTransaction other = sentTransaction();
    assertFalse(tx.offer(answer(tx, MAPPED), new InetSocketAddress("198.18.0.10", 3479), MS));
    assertFalse(tx.offer(answer(tx, MAPPED), new InetSocketAddress("198.18.0.11", 3478), MS));
    assertFalse(tx.offer(answer(other, MAPPED), SERVER, MS), "another transaction's id");
    assertFalse(tx.offer(tx.request(), SERVER, MS), "our own request reflected back");
    assertFalse(tx.done());
    assertTrue(tx.offer(answer(tx, MAPPED), SERVER, MS), "still waiting for the real answer");
  }

  @Test
  void aSuccessWithACorruptedFingerprintOrTruncatedIsIgnored() {
    BindingTransaction tx = sentTransaction();
    ByteBuffer good = answer(tx, MAPPED);
    ByteBuffer bad = ByteBuffer.allocate(good.remaining()).put(good.duplicate()).flip();
    bad.put(bad.limit() - 1, (byte) (bad.get(bad.limit() - 1) ^ 1));
    assertFalse(tx.offer(bad, SERVER, MS));
    assertFalse(tx.offer(good.duplicate().limit(good.limit() - 4), SERVER, MS));
    assertTrue(tx.offer(good, SERVER, MS));
  }

  @Test
  void anErrorResponseEndsTheTransactionWithoutAnAddress() {
    BindingTransaction tx = sentTransaction();
    StunMessage req = StunCodec.decode(Unpooled.wrappedBuffer(tx.request()));
    StunMessage withUnknown =
        new StunMessage(
            req.method(),
            req.messageClass(),
            req.transactionId(),
            false,
            java.util.List.of(0x7777));
    assertTrue(
        tx.offer(
            bytes(StunCodec.unknownAttributes(ByteBufAllocator.DEFAULT, withUnknown)), SERVER, MS));
    assertEquals(BindingResult.Outcome.ERROR_RESPONSE, tx.result().outcome());
    assertTrue(tx.result().reflexive().isEmpty());
  }

  @Test
  void retransmissionsDoubleTheWaitAndStopAtMaxSends() {
    BindingTransaction tx = new BindingTransaction(SERVER, Duration.ofMillis(100), 3);
    assertEquals(5 * MS, tx.nextSendAt(5 * MS), "the first send is due at once");
    assertFalse(tx.offer(answer(tx, MAPPED), SERVER, 5 * MS), "nothing sent yet: no answer taken");
    tx.sent(0);
    assertEquals(100 * MS, tx.nextSendAt(50 * MS));
    tx.sent(100 * MS);
    assertEquals(300 * MS, tx.nextSendAt(150 * MS));
    tx.sent(300 * MS);
    assertEquals(Long.MAX_VALUE, tx.nextSendAt(301 * MS), "three sends spent");
    assertEquals(BindingResult.Outcome.TIMED_OUT, tx.result().outcome());
    assertEquals(3, tx.result().sends());
    // The same id on every send, so a late answer to the first request still counts.
    assertTrue(tx.offer(answer(tx, MAPPED), SERVER, 1000 * MS));
    assertEquals(Duration.ofSeconds(1), tx.result().rtt());
  }

  @Test
  void randomJunkAndMutatedAnswersNeverThrowNorCompleteWithAnotherAddress() {
    Random rnd = new Random(12);
    BindingTransaction tx = sentTransaction();
    ByteBuffer good = answer(tx, MAPPED);
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      int flipped = -1;
      if (i % 2 == 0) {
        b = new byte[rnd.nextInt(64)];
        rnd.nextBytes(b);
        if (b.length > 0 && i % 4 == 0) {
          b[0] &= 3; // passes the first-byte rule
        }
      } else {
        b = new byte[good.remaining()];
        good.duplicate().get(b);
        flipped = rnd.nextInt(b.length);
        b[flipped] ^= (byte) (1 << rnd.nextInt(8));
      }
      if (tx.offer(ByteBuffer.wrap(b), SERVER, MS)) {
        // FINGERPRINT (CRC-32) catches every 1-bit error in what it covers; a flip in its own type
        // leaves a valid answer without one (FINGERPRINT is optional), with the same address.
        assertEquals(MAPPED, tx.result().reflexive().orElseThrow(), "completed by a corruption");
        int fingerprintType = b.length - 8;
        assertTrue(
            flipped == fingerprintType || flipped == fingerprintType + 1,
            "accepted a flip at byte " + flipped + " of " + b.length);
        tx = sentTransaction();
        good = answer(tx, MAPPED);
      }
    }
    assertTrue(tx.offer(good, SERVER, MS));
  }

  @Test
  void theFirstByteRuleTellsStunFromQuic() {
    byte[] quicShort = new byte[40];
    quicShort[0] = 0x40;
    byte[] quicLong = new byte[40];
    quicLong[0] = (byte) 0xC0;
    assertFalse(StunPackets.mayBeStun(ByteBuffer.wrap(quicShort)));
    assertFalse(StunPackets.mayBeStun(ByteBuffer.wrap(quicLong)));
    assertFalse(StunPackets.mayBeStun(ByteBuffer.wrap(new byte[19])), "shorter than a header");
    assertTrue(StunPackets.mayBeStun(ByteBuffer.wrap(new byte[20])));
  }

  @Test
  void theRequestIsTheSameBytesOnEverySend() {
    BindingTransaction tx = sentTransaction();
    byte[] a = new byte[28];
    byte[] b = new byte[28];
    tx.request().get(a);
    tx.request().get(b);
    assertArrayEquals(a, b);
  }
}
