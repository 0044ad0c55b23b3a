package dev.p2p.simulator.internal;

import dev.p2p.api.PeerId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.interfaces.EdECPublicKey;
import java.security.spec.NamedParameterSpec;

/**
 * Gives a simulated peer a real Ed25519 identity derived from the network seed and the peer's name,
 * so the same test names the same {@link PeerId}s on every run.
 */
final class DerivedKeys {
  private DerivedKeys() {}

  static PeerId peerId(long seed, String name) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("Ed25519");
      generator.initialize(NamedParameterSpec.ED25519, new SeededBytes(seed, name));
      EdECPublicKey key = (EdECPublicKey) generator.generateKeyPair().getPublic();
      byte[] encoded = key.getEncoded();
      byte[] raw = new byte[PeerId.KEY_LENGTH];
      System.arraycopy(encoded, encoded.length - raw.length, raw, 0, raw.length);
      return PeerId.fromPublicKey(raw);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 support", e);
    }
  }

  /** A "random" source that yields SHA-256(seed, name, counter): deterministic by design. */
  private static final class SeededBytes extends SecureRandom {
    private static final long serialVersionUID = 1L;
    private final long seed;
    private final String name;
    private long counter;

    SeededBytes(long seed, String name) {
      this.seed = seed;
      this.name = name;
    }

    @Override
    public synchronized void nextBytes(byte[] out) {
      int filled = 0;
      try {
        while (filled < out.length) {
          MessageDigest sha = MessageDigest.getInstance("SHA-256");
          sha.update(ByteBuffer.allocate(16).putLong(seed).putLong(counter++).array());
          sha.update(name.getBytes(StandardCharsets.UTF_8));
          byte[] block = sha.digest();
          int n = Math.min(block.length, out.length - filled);
          System.arraycopy(block, 0, out, filled, n);
          filled += n;
        }
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
