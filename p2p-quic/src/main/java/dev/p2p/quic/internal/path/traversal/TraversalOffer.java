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
 * the tag and key its probes expect ({@link ProbeKeys}), its candidate addresses (interface
 * addresses and reflexive ones learnt by STUN, all at the QUIC socket's port or mapping), how its
 * NAT maps ({@link MappingBehaviour}) and its public (first reflexive) address, which birthday
 * probing needs.
 *
 * <p>Wire form, version 2: {@code version(1) = 2, tag(8), key(32), count(1), count × candidate,
 * mapping(1) = MappingBehaviour ordinal, public(1) = 0 | 1, [candidate]} with {@code candidate =
 * family(1) = 4 | 6, address(4 | 16), port(2)}. Version 1 (without mapping and public address) is
 * still read, as mapping UNKNOWN. At most {@link #MAX_CANDIDATES}; anything else is refused.
 */
public record TraversalOffer(
    long tag,
    byte[] key,
    List<InetSocketAddress> candidates,
    MappingBehaviour mapping,
    InetSocketAddress publicAddress) {
  public static final int MAX_CANDIDATES = 16;
  public static final int MAX_LENGTH = 1 + 8 + 32 + 1 + MAX_CANDIDATES * 19 + 2 + 19;
  private static final int VERSION = 2;
  private static final MappingBehaviour[] MAPPINGS = MappingBehaviour.values();

  public TraversalOffer {
    if (key.length != 32) {
      throw new IllegalArgumentException("probe key of " + key.length + " bytes");
    }
    candidates = List.copyOf(candidates.subList(0, Math.min(MAX_CANDIDATES, candidates.size())));
    mapping = mapping == null ? MappingBehaviour.UNKNOWN : mapping;
  }

  public TraversalOffer(long tag, byte[] key, List<InetSocketAddress> candidates) {
    this(tag, key, candidates, MappingBehaviour.UNKNOWN, null);
  }

  public byte[] encode() {
    ByteBuf b = Unpooled.buffer(MAX_LENGTH);
    b.writeByte(VERSION).writeLong(tag).writeBytes(key).writeByte(candidates.size());
    for (InetSocketAddress a : candidates) {
      writeAddress(b, a);
    }
    b.writeByte(mapping.ordinal()).writeByte(publicAddress == null ? 0 : 1);
    if (publicAddress != null) {
      writeAddress(b, publicAddress);
    }
    byte[] out = new byte[b.readableBytes()];
    b.readBytes(out);
    return out;
  }

  private static void writeAddress(ByteBuf b, InetSocketAddress a) {
    byte[] ip = a.getAddress().getAddress();
    b.writeByte(ip.length == 4 ? 4 : 6).writeBytes(ip).writeShort(a.getPort());
  }

  /** The offer in {@code in}, or an {@link IllegalArgumentException} saying what is wrong. */
  public static TraversalOffer decode(ByteBuf in) {
    if (in.readableBytes() < 42 || in.readableBytes() > MAX_LENGTH) {
      throw new IllegalArgumentException("traversal offer of " + in.readableBytes() + " bytes");
    }
    int version = in.readUnsignedByte();
    if (version != 1 && version != VERSION) {
      throw new IllegalArgumentException("unknown traversal offer version " + version);
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
      candidates.add(readAddress(in, "candidate " + i));
    }
    MappingBehaviour mapping = MappingBehaviour.UNKNOWN;
    InetSocketAddress publicAddress = null;
    if (version >= 2) {
      if (in.readableBytes() < 2) {
        throw new IllegalArgumentException("no mapping behaviour after the candidates");
      }
      int m = in.readUnsignedByte();
      if (m >= MAPPINGS.length) {
        throw new IllegalArgumentException("unknown mapping behaviour " + m);
      }
      mapping = MAPPINGS[m];
      int hasPublic = in.readUnsignedByte();
      if (hasPublic > 1) {
        throw new IllegalArgumentException("public address flag " + hasPublic);
      }
      publicAddress = hasPublic == 1 ? readAddress(in, "the public address") : null;
    }
    if (in.isReadable()) {
      throw new IllegalArgumentException(in.readableBytes() + " bytes after the offer");
    }
    return new TraversalOffer(tag, key, candidates, mapping, publicAddress);
  }

  private static InetSocketAddress readAddress(ByteBuf in, String what) {
    int family = in.isReadable() ? in.readUnsignedByte() : -1;
    int len = family == 4 ? 4 : family == 6 ? 16 : -1;
    if (len < 0 || in.readableBytes() < len + 2) {
      throw new IllegalArgumentException("truncated or unknown " + what);
    }
    byte[] ip = new byte[len];
    in.readBytes(ip);
    int port = in.readUnsignedShort();
    if (port == 0) {
      throw new IllegalArgumentException(what + " has port 0");
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
