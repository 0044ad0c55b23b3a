package dev.p2p.quic.internal.path.traversal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Offers round-trip; anything malformed is an IllegalArgumentException, never another failure. */
class TraversalOfferTest {
  private final byte[] key = new byte[32];

  @Test
  void roundTripsV4AndV6Candidates() {
    key[0] = 9;
    List<InetSocketAddress> c =
        List.of(new InetSocketAddress("198.18.1.2", 4433), new InetSocketAddress("::1", 5000));
    TraversalOffer o =
        TraversalOffer.decode(Unpooled.wrappedBuffer(new TraversalOffer(7, key, c).encode()));
    assertEquals(7, o.tag());
    assertArrayEquals(key, o.key());
    assertEquals(c, o.candidates());
  }

  @Test
  void carriesTheMappingBehaviourAndPublicAddressAndStillReadsVersionOne() {
    InetSocketAddress pub = new InetSocketAddress("198.18.0.25", 40000);
    List<InetSocketAddress> c = List.of(new InetSocketAddress("10.0.0.2", 4433));
    byte[] wire = new TraversalOffer(3, key, c, MappingBehaviour.VARIES, pub).encode();
    TraversalOffer o = TraversalOffer.decode(Unpooled.wrappedBuffer(wire));
    assertEquals(MappingBehaviour.VARIES, o.mapping());
    assertEquals(pub, o.publicAddress());
    assertEquals(c, o.candidates());

    // Version 1: the same without the two trailing fields.
    byte[] v1 = java.util.Arrays.copyOf(wire, 1 + 8 + 32 + 1 + 7);
    v1[0] = 1;
    TraversalOffer old = TraversalOffer.decode(Unpooled.wrappedBuffer(v1));
    assertEquals(MappingBehaviour.UNKNOWN, old.mapping());
    assertEquals(null, old.publicAddress());
    assertEquals(c, old.candidates());

    byte[] badMapping = wire.clone();
    badMapping[1 + 8 + 32 + 1 + 7] = 9;
    assertThrows(
        IllegalArgumentException.class,
        () -> TraversalOffer.decode(Unpooled.wrappedBuffer(badMapping)));
  }

  @Test
  void keepsAtMostSixteenCandidates() {
    List<InetSocketAddress> many = new ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      many.add(new InetSocketAddress("198.18.1." + i, 4433));
    }
    byte[] wire = new TraversalOffer(1, key, many).encode();
    assertEquals(
        TraversalOffer.MAX_CANDIDATES,
        TraversalOffer.decode(Unpooled.wrappedBuffer(wire)).candidates().size());
    wire[41] = 17; // claims more than allowed
    assertThrows(
        IllegalArgumentException.class, () -> TraversalOffer.decode(Unpooled.wrappedBuffer(wire)));
  }

  @Test
  void randomAndTruncatedBytesAreRefusedCleanly() {
    Random r = new Random(12);
    byte[] good =
        new TraversalOffer(1, key, List.of(new InetSocketAddress("198.18.1.2", 4433))).encode();
    for (int len = 0; len < good.length; len++) {
      byte[] cut = java.util.Arrays.copyOf(good, len);
      assertThrows(
          IllegalArgumentException.class, () -> TraversalOffer.decode(Unpooled.wrappedBuffer(cut)));
    }
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[r.nextInt(TraversalOffer.MAX_LENGTH + 20)];
      r.nextBytes(b);
      if (b.length > 0) {
        b[0] = 1;
      }
      try {
        TraversalOffer.decode(Unpooled.wrappedBuffer(b));
      } catch (IllegalArgumentException expected) {
        // refused, as it should be
      }
    }
  }
}
