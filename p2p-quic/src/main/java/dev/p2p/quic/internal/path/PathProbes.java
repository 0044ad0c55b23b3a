package dev.p2p.quic.internal.path;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The path layer's own probes of direct addresses, outside QUIC: a PING the peer's path layer
 * answers with a PONG carrying the same random id, never reaching QUIC. A PONG proves the address
 * works both ways now, which QUIC packets alone cannot tell an idle connection (and while the
 * connection is relayed, no QUIC packet uses the direct address at all).
 *
 * <p>Wire form: {@code 0x04 "p2pPATH" type(1 = ping, 2 = pong) id(8)}, 17 bytes. The first byte has
 * the QUIC fixed bit (0x40) clear and is outside STUN's 0..3, so neither protocol can mistake a
 * probe for one of its own packets. The id is 64 random bits: an off-path attacker cannot answer a
 * ping it never saw. Event-loop confined.
 */
final class PathProbes {
  static final int LENGTH = 17;
  private static final byte FIRST = 0x04;
  private static final byte[] MAGIC = "p2pPATH".getBytes(StandardCharsets.US_ASCII);
  private static final byte PING = 1;
  private static final byte PONG = 2;
  private static final int MAX_OUTSTANDING = 4096;

  /** A ping waiting for its pong. */
  record Pending(PeerPath path, InetSocketAddress to) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<Long, Pending> outstanding =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Pending> eldest) {
          return size() > MAX_OUTSTANDING;
        }
      };

  static boolean isProbe(ByteBuf buf) {
    if (buf.readableBytes() != LENGTH || buf.getByte(buf.readerIndex()) != FIRST) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (buf.getByte(buf.readerIndex() + 1 + i) != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  static boolean isPing(ByteBuf probe) {
    return probe.getByte(probe.readerIndex() + 1 + MAGIC.length) == PING;
  }

  private static long id(ByteBuf probe) {
    return probe.getLong(probe.readerIndex() + 2 + MAGIC.length);
  }

  /** A new ping to {@code to} for {@code path}, remembered until its pong or eviction. */
  ByteBuf ping(ByteBufAllocator alloc, PeerPath path, InetSocketAddress to) {
    long id = random.nextLong();
    outstanding.put(id, new Pending(path, to));
    return encode(alloc, PING, id);
  }

  /** The answer to {@code ping}. */
  static ByteBuf pong(ByteBufAllocator alloc, ByteBuf ping) {
    return encode(alloc, PONG, id(ping));
  }

  /** The ping a pong from {@code from} answers, or null if it answers none of ours. */
  Pending answered(ByteBuf pong, InetSocketAddress from) {
    Pending p = outstanding.get(id(pong));
    if (p == null || !p.to().equals(from)) {
      return null;
    }
    outstanding.remove(id(pong));
    return p;
  }

  private static ByteBuf encode(ByteBufAllocator alloc, byte type, long id) {
    return alloc.buffer(LENGTH).writeByte(FIRST).writeBytes(MAGIC).writeByte(type).writeLong(id);
  }
}
