package dev.p2p.quic.internal.path.traversal;

import dev.p2p.relay.internal.stun.BindingTransaction;
import dev.p2p.relay.internal.stun.StunPackets;
import io.netty.buffer.ByteBuf;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Learns the QUIC socket's reflexive addresses by STUN Binding from that same socket, at each
 * relay's STUN port (named in its welcome), so the addresses are the NAT mappings the punch will
 * use. Answers are recognised by RFC 9443's first-byte rule and must match a transaction we started
 * with the server they came from; anything else is not ours and goes on to QUIC. Asks again every
 * {@link #REFRESH} (mappings change) and keeps at most {@link #MAX_SERVERS}. Event-loop confined.
 */
public final class ReflexiveDiscovery {
  static final long REFRESH = TimeUnit.SECONDS.toNanos(60);
  private static final int MAX_SERVERS = 8;
  private static final Duration RTO = Duration.ofMillis(250);
  private static final int MAX_SENDS = 5;

  private final Map<InetSocketAddress, BindingTransaction> running = new HashMap<>();
  private final Map<InetSocketAddress, Long> askedAt = new HashMap<>();
  private final Map<InetSocketAddress, InetSocketAddress> mapped = new LinkedHashMap<>();
  private volatile List<InetSocketAddress> snapshot = List.of(); // readable from any thread

  /** Asks {@code server} unless it was asked within the refresh interval. */
  public void ask(InetSocketAddress server, long now) {
    Long at = askedAt.get(server);
    if (at != null && now - at < REFRESH) {
      return;
    }
    if (at == null && askedAt.size() >= MAX_SERVERS) {
      return;
    }
    askedAt.put(server, now);
    running.put(server, new BindingTransaction(server, RTO, MAX_SENDS));
  }

  /** Sends what is due: first requests and retransmissions. */
  public void tick(long now, BiConsumer<InetSocketAddress, ByteBuffer> send) {
    for (BindingTransaction t : List.copyOf(running.values())) {
      if (t.nextSendAt(now) <= now) {
        t.sent(now);
        send.accept(t.server(), t.request());
      } else if (t.nextSendAt(now) == Long.MAX_VALUE && now - askedAt.get(t.server()) > REFRESH) {
        running.remove(t.server());
      }
    }
  }

  /** True if {@code content} from {@code from} answered one of our requests (it is consumed). */
  public boolean offer(ByteBuf content, InetSocketAddress from, long now) {
    BindingTransaction t = running.get(from);
    if (t == null) {
      return false;
    }
    ByteBuffer b = content.nioBuffer(content.readerIndex(), content.readableBytes());
    if (!StunPackets.mayBeStun(b) || !t.offer(b, from, now)) {
      return false;
    }
    running.remove(from);
    t.result().reflexive().ifPresent(m -> mapped.put(from, m));
    List<InetSocketAddress> distinct = new ArrayList<>();
    for (InetSocketAddress m : mapped.values()) {
      if (!distinct.contains(m)) {
        distinct.add(m);
      }
    }
    snapshot = List.copyOf(distinct);
    return true;
  }

  /** Whether a datagram may be STUN at all (RFC 9443: first byte 0..3), before any lookup. */
  public static boolean mayBeStun(ByteBuf content) {
    return content.readableBytes() >= 20 && (content.getUnsignedByte(content.readerIndex()) <= 3);
  }

  /** Whether a request is still waiting for its answer. */
  public boolean pending() {
    // Still sending; after the last send the caller's own bound covers a late answer.
    return running.values().stream().anyMatch(t -> t.nextSendAt(0) != Long.MAX_VALUE);
  }

  /** The distinct reflexive addresses seen, in the order first learnt. Any thread. */
  public List<InetSocketAddress> reflexive() {
    return snapshot;
  }

  /**
   * How this socket is mapped: VARIES if two servers saw different mappings, INDEPENDENT if two or
   * more saw one, OPEN if that one is among {@code interfaces} (no NAT), else UNKNOWN.
   */
  public MappingBehaviour mapping(List<InetSocketAddress> interfaces) {
    if (mapped.size() < 2) {
      return MappingBehaviour.UNKNOWN;
    }
    if (mappingVariesByDestination()) {
      return MappingBehaviour.VARIES;
    }
    return interfaces.contains(mapped.values().iterator().next())
        ? MappingBehaviour.OPEN
        : MappingBehaviour.INDEPENDENT;
  }

  /** Whether two servers saw different mappings: the NAT maps by destination (a hard NAT). */
  public boolean mappingVariesByDestination() {
    Collection<InetSocketAddress> all = mapped.values();
    return all.stream().distinct().count() > 1;
  }
}
