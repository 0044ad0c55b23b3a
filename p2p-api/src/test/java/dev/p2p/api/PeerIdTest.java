package dev.p2p.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import org.junit.jupiter.api.Test;

class PeerIdTest {

  @Test
  void canonicalTextIs52LowercaseBase32CharsAndRoundTrips() {
    qt().forAll(longs().all())
        .checkAssert(
            seed -> {
              byte[] key = new byte[32];
              new java.util.Random(seed).nextBytes(key);
              PeerId id = PeerId.fromPublicKey(key);
              String text = id.toString();
              assertEquals(52, text.length());
              assertTrue(text.matches("[a-z2-7]{52}"), text);
              assertEquals(id, PeerId.parse(text));
              assertEquals(id, PeerId.parse(text.toUpperCase()));
              assertArrayEquals(key, id.toBytes());
              assertEquals(text.substring(0, 10), id.shortString());
            });
  }

  @Test
  void knownVector() {
    byte[] key = new byte[32];
    assertEquals("a".repeat(52), PeerId.fromPublicKey(key).toString());
    key[31] = 1;
    // 256 bits -> 52 chars, the last holding 1 data bit + 4 zero bits: 0x01 -> "aq" tail.
    assertTrue(PeerId.fromPublicKey(key).toString().endsWith("aq"));
  }

  @Test
  void toBytesIsACopyAndInputIsCopied() {
    byte[] key = new byte[32];
    PeerId id = PeerId.fromPublicKey(key);
    key[0] = 9;
    id.toBytes()[1] = 9;
    assertArrayEquals(new byte[32], id.toBytes());
  }

  @Test
  void parseRejectsMalformedWithReason() {
    IllegalArgumentException length =
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("abc"));
    assertTrue(length.getMessage().contains("52"), length.getMessage());
    IllegalArgumentException chars =
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("1".repeat(52)));
    assertTrue(chars.getMessage().contains("invalid base32 character"), chars.getMessage());
    // The last character carries 4 padding bits that must be zero.
    IllegalArgumentException tail =
        assertThrows(IllegalArgumentException.class, () -> PeerId.parse("a".repeat(51) + "b"));
    assertTrue(tail.getMessage().contains("padding"), tail.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PeerId.fromPublicKey(new byte[31]));
  }

  @Test
  void orderingAndEquality() {
    byte[] a = new byte[32];
    byte[] b = new byte[32];
    b[0] = (byte) 0xff; // unsigned comparison: 0xff sorts after 0x00
    PeerId ia = PeerId.fromPublicKey(a);
    PeerId ib = PeerId.fromPublicKey(b);
    assertTrue(ia.compareTo(ib) < 0);
    assertNotEquals(ia, ib);
    assertEquals(ia, PeerId.fromPublicKey(new byte[32]));
    assertEquals(ia.hashCode(), PeerId.fromPublicKey(new byte[32]).hashCode());
  }
}
