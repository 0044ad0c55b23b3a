package dev.p2p.identity;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.EdECPrivateKeySpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;

/** Re-encodes keys through the JDK's Ed25519 {@link KeyFactory}, whatever provider made them. */
final class KeyCodec {
  private KeyCodec() {}

  static KeyPair normalize(KeyPair pair) {
    try {
      return new KeyPair(
          decodePublic(pair.getPublic().getEncoded()),
          decodePrivate(pair.getPrivate().getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("not an Ed25519 key pair", e);
    }
  }

  static PublicKey decodePublic(byte[] spki) throws GeneralSecurityException {
    return KeyFactory.getInstance(Ed25519Identity.ALGORITHM)
        .generatePublic(new X509EncodedKeySpec(spki));
  }

  /**
   * Decodes PKCS#8 (v1 or v2) and rebuilds the key from its raw scalar, so the result carries the
   * JDK's own v1 encoding and never a foreign provider's.
   */
  static PrivateKey decodePrivate(byte[] pkcs8) throws GeneralSecurityException {
    KeyFactory factory = KeyFactory.getInstance(Ed25519Identity.ALGORITHM);
    EdECPrivateKey decoded =
        (EdECPrivateKey) factory.generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
    byte[] scalar =
        decoded
            .getBytes()
            .orElseThrow(() -> new GeneralSecurityException("private key has no bytes"));
    return factory.generatePrivate(new EdECPrivateKeySpec(decoded.getParams(), scalar));
  }
}
