package dev.p2p.identity;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.PeerId;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Objects;

/**
 * An Ed25519 key pair and the {@link PeerId} it defines.
 *
 * <p>Keys always come from, or are re-encoded by, the JDK's own {@code SunEC} provider: its PKCS#8
 * v1 encoding is what native TLS stacks (BoringSSL in Netty QUIC) accept, while a Bouncy Castle
 * provider key (PKCS#8 v2) crashed the native library in a trial.
 */
public final class Ed25519Identity {
  /** Names a key file; created with owner-only permissions when missing. */
  public static final String KEY_FILE = "P2P_KEY_FILE";

  static final String ALGORITHM = "Ed25519";

  /** DER prefix of an X.509 SubjectPublicKeyInfo holding a raw 32-byte Ed25519 key. */
  private static final byte[] SPKI_PREFIX = {
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
  };

  private final KeyPair keyPair;
  private final PeerId peerId;

  private Ed25519Identity(KeyPair keyPair) {
    this.keyPair = keyPair;
    this.peerId = PeerId.fromPublicKey(rawPublicKey(keyPair.getPublic()));
  }

  /** A fresh random identity. */
  public static Ed25519Identity generate() {
    try {
      return new Ed25519Identity(KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 support", e);
    }
  }

  /** Wraps a key pair, re-encoding it through the JDK provider. */
  public static Ed25519Identity of(KeyPair keyPair) {
    Objects.requireNonNull(keyPair, "keyPair");
    return new Ed25519Identity(KeyCodec.normalize(keyPair));
  }

  /**
   * The identity a configuration names: loaded from (or created at) {@code P2P_KEY_FILE}, or a
   * fresh ephemeral one when the key is not set.
   *
   * @throws ConfigurationException if the file is corrupt, unreadable or readable by others
   */
  public static Ed25519Identity fromConfig(P2PConfig config) {
    return config
        .get(KEY_FILE)
        .map(Path::of)
        .map(KeyFiles::loadOrCreate)
        .orElseGet(() -> generate());
  }

  public PeerId peerId() {
    return peerId;
  }

  public PublicKey publicKey() {
    return keyPair.getPublic();
  }

  /** The private key, encoded by the JDK provider (PKCS#8 v1). */
  public PrivateKey privateKey() {
    return keyPair.getPrivate();
  }

  public KeyPair keyPair() {
    return keyPair;
  }

  /** Signs {@code data}; 64-byte signature. */
  public byte[] sign(byte[] data) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initSign(keyPair.getPrivate());
      s.update(data);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Ed25519 signing failed", e);
    }
  }

  /**
   * True if {@code signature} is {@code signer}'s signature of {@code data}. Never throws on bad
   * input.
   */
  public static boolean verify(PeerId signer, byte[] data, byte[] signature) {
    try {
      Signature s = Signature.getInstance(ALGORITHM);
      s.initVerify(publicKey(signer));
      s.update(data);
      return s.verify(signature);
    } catch (SignatureException | InvalidKeyException e) {
      return false;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no Ed25519 support", e);
    }
  }

  /** The JDK public key for a peer id. */
  public static PublicKey publicKey(PeerId peer) {
    byte[] encoded = Arrays.copyOf(SPKI_PREFIX, SPKI_PREFIX.length + PeerId.KEY_LENGTH);
    System.arraycopy(peer.toBytes(), 0, encoded, SPKI_PREFIX.length, PeerId.KEY_LENGTH);
    try {
      return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(encoded));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 key: " + peer, e);
    }
  }

  /** The raw 32 bytes of an Ed25519 public key, from any provider. */
  public static byte[] rawPublicKey(PublicKey key) {
    byte[] encoded = key.getEncoded();
    if (encoded == null
        || encoded.length != SPKI_PREFIX.length + PeerId.KEY_LENGTH
        || !Arrays.equals(encoded, 0, SPKI_PREFIX.length, SPKI_PREFIX, 0, SPKI_PREFIX.length)) {
      throw new IllegalArgumentException("not an Ed25519 public key: " + key.getAlgorithm());
    }
    return Arrays.copyOfRange(encoded, SPKI_PREFIX.length, encoded.length);
  }

  @Override
  public String toString() {
    return "Ed25519Identity[" + peerId.shortString() + "]";
  }
}
