package dev.p2p.quic.internal.path;

import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.function.Function;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

/**
 * The connection ids the server codec issues, made so that the path layer can tell, from a packet's
 * destination connection id alone, which peer path an accepted connection belongs to: a packet from
 * an address we never learnt (the peer's NAT rebound) is then recognised instead of answered with a
 * stateless reset. Stateless, so it covers every id the codec issues (the handshake one and those
 * of NEW_CONNECTION_ID frames) and needs no clean-up.
 *
 * <p>An id is one AES-128 block under a key of this process, {@code virtual IPv4 (4) | random (4) |
 * zero (8)}, followed by 4 random bytes: only we can make or read one (a guess passes the 64-bit
 * zero check with probability 2^-64), and ids of one connection are unlinkable on the wire. The
 * virtual address of the path comes from the id the connection already has, or, for its first id,
 * from the path whose Initial the codec is reading ({@link #delivering}). Event-loop confined.
 */
public final class ServerConnectionIds implements QuicConnectionIdGenerator {
  private static final int LENGTH = QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH;
  private static final int BLOCK = 16;

  private final SecureRandom random = new SecureRandom();
  private final Function<InetAddress, PeerPath> byVirtualHost;
  private final Cipher encrypt;
  private final Cipher decrypt;
  private final byte[] block = new byte[BLOCK];
  private PeerPath delivering;

  ServerConnectionIds(Function<InetAddress, PeerPath> byVirtualHost) {
    this.byVirtualHost = byVirtualHost;
    try {
      KeyGenerator keys = KeyGenerator.getInstance("AES");
      keys.init(128, random);
      SecretKey key = keys.generateKey();
      encrypt = Cipher.getInstance("AES/ECB/NoPadding");
      encrypt.init(Cipher.ENCRYPT_MODE, key);
      decrypt = Cipher.getInstance("AES/ECB/NoPadding");
      decrypt.init(Cipher.DECRYPT_MODE, key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES is missing from this JDK", e);
    }
  }

  /**
   * The path whose packet is being handed to the server codec now (null after): an Initial that
   * opens a connection gets its first id from it.
   */
  void delivering(PeerPath path) {
    delivering = path;
  }

  /** The path of the accepted connection this id was issued for, or null if it is not ours. */
  public PeerPath path(ByteBuffer id) {
    byte[] ip = virtualHostOf(id);
    if (ip == null) {
      return null;
    }
    try {
      return byVirtualHost.apply(InetAddress.getByAddress(ip));
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private byte[] virtualHostOf(ByteBuffer id) {
    if (id == null || id.remaining() != LENGTH) {
      return null;
    }
    byte[] in = new byte[BLOCK];
    id.duplicate().get(in);
    try {
      decrypt.doFinal(in, 0, BLOCK, block, 0);
    } catch (GeneralSecurityException e) {
      return null;
    }
    for (int i = 8; i < BLOCK; i++) {
      if (block[i] != 0) {
        return null;
      }
    }
    return new byte[] {block[0], block[1], block[2], block[3]};
  }

  private ByteBuffer idFor(byte[] virtualHost) {
    byte[] id = new byte[LENGTH];
    random.nextBytes(id);
    byte[] plain = new byte[BLOCK];
    if (virtualHost != null) {
      System.arraycopy(virtualHost, 0, plain, 0, 4);
    } // else: all zero, which names no path (virtual hosts are in 240.0.0.0/4)
    System.arraycopy(id, 0, plain, 4, 4);
    try {
      encrypt.doFinal(plain, 0, BLOCK, id, 0);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    return ByteBuffer.wrap(id);
  }

  private ByteBuffer forDelivering() {
    PeerPath p = delivering;
    return idFor(p == null ? null : p.virtualAddress.getAddress().getAddress());
  }

  @Override
  public ByteBuffer newId(int length) {
    return forDelivering();
  }

  /** A further id for the connection whose current id is {@code input}: the same path. */
  @Override
  public ByteBuffer newId(ByteBuffer input, int length) {
    byte[] host = virtualHostOf(input);
    return host != null ? idFor(host) : forDelivering();
  }

  @Override
  public ByteBuffer newId(ByteBuffer scid, ByteBuffer dcid, int length) {
    return forDelivering();
  }

  @Override
  public int maxConnectionIdLength() {
    return LENGTH;
  }

  @Override
  public boolean isIdempotent() {
    return false;
  }
}
