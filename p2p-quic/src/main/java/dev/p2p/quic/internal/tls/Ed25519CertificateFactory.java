package dev.p2p.quic.internal.tls;

import dev.p2p.identity.Ed25519Identity;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds the self-signed Ed25519 certificate a peer presents in the QUIC TLS handshake.
 *
 * <p>Bouncy Castle only assembles the certificate: signing and the final {@link X509Certificate}
 * come from the JDK providers, and the private key handed to BoringSSL is always the JDK-encoded
 * one from {@link Ed25519Identity} (a BC-provider-encoded key crashed the native library).
 */
public final class Ed25519CertificateFactory {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ed25519CertificateFactory() {}

  /** A certificate for {@code identity}'s key, valid from a day ago for ten years. */
  public static X509Certificate selfSigned(Ed25519Identity identity) {
    X500Name name = new X500Name("CN=p2p-" + identity.peerId().shortString());
    Instant now = Instant.now();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            new BigInteger(64, RANDOM).add(BigInteger.ONE),
            Date.from(now.minus(Duration.ofDays(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            name,
            identity.publicKey());
    try {
      // No provider named: the JDK's own Ed25519 Signature signs with the JDK key.
      ContentSigner signer = new JcaContentSignerBuilder("Ed25519").build(identity.privateKey());
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException | CertificateException e) {
      throw new IllegalStateException("cannot build an Ed25519 certificate", e);
    }
  }

  /**
   * The raw Ed25519 key of a peer's certificate, after checking the certificate is self-signed by
   * that key.
   *
   * @throws CertificateException if the certificate holds another kind of key or a bad signature
   */
  public static byte[] verifiedPeerKey(X509Certificate certificate) throws CertificateException {
    PublicKey key = certificate.getPublicKey();
    byte[] raw;
    try {
      raw = Ed25519Identity.rawPublicKey(key);
    } catch (IllegalArgumentException e) {
      throw new CertificateException("peer certificate does not hold an Ed25519 key", e);
    }
    try {
      certificate.verify(key);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer certificate is not self-signed by its key", e);
    }
    return raw;
  }
}
