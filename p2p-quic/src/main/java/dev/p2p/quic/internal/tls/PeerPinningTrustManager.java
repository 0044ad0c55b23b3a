package dev.p2p.quic.internal.tls;

import dev.p2p.api.PeerId;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer by its key alone. A dialled peer must present exactly the key of the {@link PeerId}
 * that was dialled; a dialling peer may present any Ed25519 key, which then becomes its identity.
 *
 * <p>One instance serves every handshake of a provider, so the expectation is keyed per engine
 * (registered when the dial's engine is created) rather than held in a field.
 */
public final class PeerPinningTrustManager extends X509ExtendedTrustManager {
  private final Map<SSLEngine, PinnedPeer> dials = new ConcurrentHashMap<>();

  public void expect(SSLEngine engine, PinnedPeer attempt) {
    dials.put(engine, attempt);
  }

  public void forget(SSLEngine engine) {
    dials.remove(engine);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    PinnedPeer attempt = dials.get(engine);
    if (attempt == null) {
      throw new CertificateException("no dial is waiting for this handshake");
    }
    PeerId presented;
    try {
      presented = PeerId.fromPublicKey(Ed25519CertificateFactory.verifiedPeerKey(leaf(chain)));
    } catch (CertificateException e) {
      attempt.authenticationFailed("the peer's certificate is unusable: " + e.getMessage());
      throw e;
    }
    if (!presented.equals(attempt.expected())) {
      String why =
          "the peer at "
              + attempt.describeAddresses()
              + " proved key "
              + presented.shortString()
              + "..., not the dialled peer "
              + attempt.expected().shortString()
              + "...; check the ticket or peer id";
      attempt.authenticationFailed(why);
      throw new CertificateException(why);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    Ed25519CertificateFactory.verifiedPeerKey(leaf(chain));
  }

  private static X509Certificate leaf(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer presented no certificate");
    }
    return chain[0];
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("QUIC handshakes only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("QUIC handshakes only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("QUIC handshakes only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("QUIC handshakes only");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
