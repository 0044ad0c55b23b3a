package dev.p2p.quic.internal.path.traversal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pings and pongs authenticated by {@link ProbeKeys}. Only a pong can move a path, and only one
 * that answers a ping we sent (its nonce, to the address it came from), under the key of the peer
 * we pinged, once: so a forged, altered or replayed probe never moves a path. A ping is answered if
 * its MAC is right under our key and its nonce is new, which bounds what replaying a recorded ping
 * can make us send (a pong and one triggered ping, neither of which the replayer can answer).
 * Event-loop confined.
 *
 * @param <P> the path type the caller keeps per peer
 */
public final class AuthenticatedProbes<P> {
  private static final int MAX_REMEMBERED = 4096;

  /**
   * A ping waiting for its pong; {@code via} is the socket it left from (null: the provider's own),
   * the one its pong must come back to.
   */
  public record Pending<P>(P path, InetSocketAddress to, Object via, long sentNanos) {}

  private record Outstanding<P>(Pending<P> pending, long tag, byte[] key) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<Long, Outstanding<P>> outstanding = bounded();
  private final Map<Long, Boolean> seenPings = bounded();
  private long rejected;

  private static <K, V> Map<K, V> bounded() {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > MAX_REMEMBERED;
      }
    };
  }

  public static boolean isProbe(ByteBuf buf) {
    return ProbeCodec.isProbe(buf);
  }

  public static boolean isPing(ByteBuf probe) {
    return ProbeCodec.type(probe) == ProbeCodec.PING;
  }

  /** The tag a probe names: for a ping, ours (which of our paths it is for). */
  public static long tag(ByteBuf probe) {
    return ProbeCodec.tag(probe);
  }

  /** A new ping to {@code to} for {@code path}, whose peer told us {@code remote}. */
  public ByteBuf ping(
      ByteBufAllocator alloc, P path, ProbeKeys.Remote remote, InetSocketAddress to, long now) {
    return ping(alloc, path, remote, to, null, now);
  }

  /** A new ping to {@code to} for {@code path}, sent from the socket {@code via} (null: ours). */
  public ByteBuf ping(
      ByteBufAllocator alloc,
      P path,
      ProbeKeys.Remote remote,
      InetSocketAddress to,
      Object via,
      long now) {
    long nonce = random.nextLong();
    outstanding.put(
        nonce, new Outstanding<>(new Pending<>(path, to, via, now), remote.tag(), remote.key()));
    return ProbeCodec.encode(alloc, ProbeCodec.PING, remote.tag(), nonce, remote.key());
  }

  /**
   * The pong for a ping addressed to {@code keys}' path, or null (nothing to send) if the ping is
   * forged or a replay.
   */
  public ByteBuf answer(ByteBufAllocator alloc, ByteBuf ping, ProbeKeys keys) {
    if (ProbeCodec.tag(ping) != keys.localTag() || !ProbeCodec.verify(ping, keys.localKey())) {
      rejected++;
      return null;
    }
    long id = ProbeCodec.nonce(ping) ^ keys.localTag();
    if (seenPings.putIfAbsent(id, Boolean.TRUE) != null) {
      rejected++;
      return null;
    }
    return ProbeCodec.encode(
        alloc, ProbeCodec.PONG, keys.localTag(), ProbeCodec.nonce(ping), keys.localKey());
  }

  /** The ping a pong from {@code from} answers, or null if it answers none of ours. */
  public Pending<P> answered(ByteBuf pong, InetSocketAddress from) {
    return answered(pong, from, null);
  }

  /**
   * The ping a pong from {@code from}, received on socket {@code via} (null: ours), answers, or
   * null if it answers none sent from that socket.
   */
  public Pending<P> answered(ByteBuf pong, InetSocketAddress from, Object via) {
    long nonce = ProbeCodec.nonce(pong);
    Outstanding<P> o = outstanding.get(nonce);
    if (o == null
        || !o.pending().to().equals(from)
        || o.pending().via() != via
        || ProbeCodec.tag(pong) != o.tag()
        || !ProbeCodec.verify(pong, o.key())) {
      rejected++;
      return null;
    }
    outstanding.remove(nonce);
    return o.pending();
  }

  /** Probes dropped as forged, misdirected or replayed. */
  public long rejected() {
    return rejected;
  }
}
