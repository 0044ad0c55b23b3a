package dev.p2p.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerAddressTest {

  @Test
  void ticketRoundTripsExactly() {
    qt().forAll(integers().all(), lists().of(integers().between(0, 2)).ofSizeBetween(0, 6))
        .checkAssert(
            (seed, kinds) -> {
              Random random = new Random(seed);
              byte[] key = new byte[32];
              random.nextBytes(key);
              List<InetSocketAddress> direct =
                  kinds.stream().map(kind -> address(kind, random)).toList();
              Optional<URI> relay =
                  random.nextBoolean()
                      ? Optional.of(
                          URI.create("https://relay" + random.nextInt(99) + ".example:443/"))
                      : Optional.empty();
              PeerAddress address = new PeerAddress(PeerId.fromPublicKey(key), relay, direct);
              String ticket = address.toTicket();
              assertTrue(ticket.matches("p2p1[a-z2-7]+"), ticket);
              assertEquals(address, PeerAddress.parseTicket(ticket));
            });
  }

  private static InetSocketAddress address(int kind, Random random) {
    int port = random.nextInt(65536);
    try {
      return switch (kind) {
        case 0 -> new InetSocketAddress(InetAddress.getByAddress(bytes(random, 4)), port);
        case 1 -> new InetSocketAddress(InetAddress.getByAddress(bytes(random, 16)), port);
        default -> InetSocketAddress.createUnresolved("host" + random.nextInt(1000) + ".lan", port);
      };
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    // Avoid IPv4-mapped IPv6 addresses, which Java turns into Inet4Address.
    if (n == 16) {
      b[0] = 0x20;
    }
    return b;
  }

  @Test
  void corruptedTicketsAreRejectedWithReason() {
    PeerAddress address =
        PeerAddress.of(
            PeerId.fromPublicKey(new byte[32]), List.of(new InetSocketAddress("127.0.0.1", 7000)));
    String ticket = address.toTicket();
    char flipped = ticket.charAt(10) == 'a' ? 'b' : 'a';
    String typo = ticket.substring(0, 10) + flipped + ticket.substring(11);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PeerAddress.parseTicket(typo));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    IllegalArgumentException version =
        assertThrows(
            IllegalArgumentException.class,
            () -> PeerAddress.parseTicket("p2p9" + ticket.substring(4)));
    assertTrue(version.getMessage().contains("version"), version.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PeerAddress.parseTicket("hello"));
    assertThrows(
        IllegalArgumentException.class,
        () -> PeerAddress.parseTicket(ticket.substring(0, ticket.length() - 8)));
  }
}
