package dev.p2p.relay.internal;

import dev.p2p.api.PeerId;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;

/**
 * A peer's 32-byte public key as four longs: the relay's map key on the forwarding path, where
 * building a {@link PeerId} (a copy and a base32 string) for every packet would cost more than the
 * lookup.
 */
public record PeerKey(long a, long b, long c, long d) {
  public static final int LENGTH = PeerId.KEY_LENGTH;

  /** Reads 32 bytes at {@code index} without moving the reader index. */
  public static PeerKey read(ByteBuf buf, int index) {
    return new PeerKey(
        buf.getLong(index),
        buf.getLong(index + 8),
        buf.getLong(index + 16),
        buf.getLong(index + 24));
  }

  public static PeerKey of(PeerId id) {
    ByteBuffer b = ByteBuffer.wrap(id.toBytes());
    return new PeerKey(b.getLong(), b.getLong(), b.getLong(), b.getLong());
  }

  /** Writes the 32 bytes at {@code index} without moving the writer index. */
  public void set(ByteBuf buf, int index) {
    buf.setLong(index, a).setLong(index + 8, b).setLong(index + 16, c).setLong(index + 24, d);
  }

  public void write(ByteBuf buf) {
    buf.writeLong(a).writeLong(b).writeLong(c).writeLong(d);
  }

  public byte[] toBytes() {
    return ByteBuffer.allocate(LENGTH).putLong(a).putLong(b).putLong(c).putLong(d).array();
  }

  public PeerId toPeerId() {
    return PeerId.fromPublicKey(toBytes());
  }

  @Override
  public String toString() {
    return toPeerId().shortString();
  }
}
