package dev.p2p.quic.internal.path.traversal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one side tells the other over the live (authenticated) QUIC connection so both can punch:
 * the tag and key its probes expect ({@link ProbeKeys}) and its candidate addresses (interface
 * addresses and reflexive ones learnt by STUN, all at the QUIC socket's port or mapping).
 *
 * <p>Wire form: {@code version(1) = 1, tag(8), key(32), count(1), count × (family(1) = 4 | 6,
 * address(4 | 16), port(2))}. At most {@link #MAX_CANDIDATES}; anything else is refused.
 */
public record TraversalOffer(long tag, byte[] key, List<InetSocketAddress> candidates) {
  public static final int MAX_CANDIDATES = 16;
  public static final int MAX_LENGTH = 1 + 8 + 32 + 1 + MAX_CANDIDATES * 19;
  private static final int VERSION = 1;

  public TraversalOffer {
    if (key.length != 32) {
      throw new IllegalArgumentException("probe key of " + key.length + " bytes");
    }
    candidates = List.copyOf(candidates.subList(0, Math.min(MAX_CANDIDATES, candidates.size())));
  }

  public byte[] encode() {
    ByteBuf b = Unpooled.buffer(MAX_LENGTH);
    b.writeByte(VERSION).writeLong(tag).writeBytes(key).writeByte(candidates.size());
    for (InetSocketAddress a : candidates) {
      byte[] ip = a.getAddress().getAddress();
      b.writeByte(ip.length == 4 ? 4 : 6).writeBytes(ip).writeShort(a.getPort());
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  /** The offer in {@code in}, or an {@link IllegalArgumentException} saying what is wrong. */
  public static TraversalOffer decode(ByteBuf in) {
    if (in.readableBytes() < 42 || in.readableBytes() > MAX_LENGTH) {
      throw new IllegalArgumentException("traversal offer of " + in.readableBytes() + " bytes");
    }
    if (in.readUnsignedByte() != VERSION) {
      throw new IllegalArgumentException("unknown traversal offer version");
    }
    long tag = in.readLong();
    byte[] key = new byte[32];
    in.readBytes(key);
    int n = in.readUnsignedByte();
    if (n > MAX_CANDIDATES) {
      throw new IllegalArgumentException(n + " candidates, at most " + MAX_CANDIDATES);
    }
    List<InetSocketAddress> candidates = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      int family = in.isReadable() ? in.readUnsignedByte() : -1;
      int len = family == 4 ? 4 : family == 6 ? 16 : -1;
      if (len < 0 || in.readableBytes() < len + 2) {
        throw new IllegalArgumentException("truncated or unknown candidate " + i);
      }
      byte[] ip = new byte[len];
      in.readBytes(ip);
      int port = in.readUnsignedShort();
      if (port == 0) {
        throw new IllegalArgumentException("candidate " + i + " has port 0");
      }
      try {
        candidates.add(new InetSocketAddress(InetAddress.getByAddress(ip), port));
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException(e);
      }
    }
    if (in.isReadable()) {
      throw new IllegalArgumentException(in.readableBytes() + " bytes after the candidates");
    }
    return new TraversalOffer(tag, key, candidates);
  }
}
