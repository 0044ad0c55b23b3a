package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The server codec's connection ids name their path, only for us, and unlinkably. */
class ServerConnectionIdsTest {
  private final PeerPaths paths = new PeerPaths();
  private final ServerConnectionIds ids = new ServerConnectionIds(paths::byVirtualHost);

  private ByteBuffer firstIdFor(PeerPath p) {
    ids.delivering(p);
    try {
      return ids.newId(ByteBuffer.allocate(8), ByteBuffer.allocate(8), 20);
    } finally {
      ids.delivering(null);
    }
  }

  @Test
  void anIdNamesThePathWhoseInitialOpenedTheConnectionAndSoDoItsLaterIds() {
    PeerPath a = paths.newPath(List.of());
    PeerPath b = paths.newPath(List.of());
    ByteBuffer first = firstIdFor(a);
    assertEquals(20, first.remaining());
    assertSame(a, ids.path(first.duplicate()));
    assertSame(b, ids.path(firstIdFor(b)));
    ByteBuffer later = ids.newId(first.duplicate(), 20); // a NEW_CONNECTION_ID for a's connection
    assertSame(a, ids.path(later.duplicate()));
    assertNotEquals(first, later, "ids of one connection differ");
  }

  @Test
  void idsOfOnePathShareNoBytesThatWouldLinkThem() {
    PeerPath a = paths.newPath(List.of());
    Set<ByteBuffer> prefixes = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      ByteBuffer id = firstIdFor(a);
      prefixes.add(ByteBuffer.wrap(id.array(), 0, 8).slice());
    }
    assertEquals(1000, prefixes.size(), "the virtual address is not readable on the wire");
  }

  @Test
  void randomForeignAndOrphanIdsNameNoPath() {
    paths.newPath(List.of());
    Random random = new Random(11);
    for (int i = 0; i < 100_000; i++) {
      byte[] guess = new byte[20];
      random.nextBytes(guess);
      assertNull(ids.path(ByteBuffer.wrap(guess)));
    }
    assertNull(ids.path(ByteBuffer.wrap(new byte[8])), "a foreign length");
    assertNull(ids.path(ids.newId(20)), "an id made with no path delivering");
    ServerConnectionIds other = new ServerConnectionIds(paths::byVirtualHost);
    PeerPath a = paths.newPath(List.of());
    assertNull(other.path(firstIdFor(a)), "another process's key (a restart) reads nothing");
  }
}
