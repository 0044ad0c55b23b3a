package dev.p2p.quic.internal.tls;

import dev.p2p.identity.Ed25519Identity;
import io.netty.handler.codec.quic.BoringSSLContextOption;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.ssl.ClientAuth;
import java.security.cert.X509Certificate;

/**
 * The TLS 1.3 contexts of a provider: mutual authentication with self-signed Ed25519 certificates,
 * ALPN {@value #ALPN}.
 */
public final class QuicTlsContexts {
  public static final String ALPN = "p2p/1";

  /**
   * BoringSSL offers no Ed25519 signatures unless asked ({@code NO_COMMON_SIGNATURE_ALGORITHMS}).
   */
  private static final String[] SIGNATURE_ALGORITHMS = {"ed25519"};

  public final QuicSslContext server;
  public final QuicSslContext client;
  public final PeerPinningTrustManager trust;

  public QuicTlsContexts(Ed25519Identity identity) {
    X509Certificate certificate = Ed25519CertificateFactory.selfSigned(identity);
    trust = new PeerPinningTrustManager();
    Ed25519KeyManager keys = new Ed25519KeyManager(identity.privateKey(), certificate);
    server =
        QuicSslContextBuilder.forServer(keys, null)
            .trustManager(trust)
            .clientAuth(ClientAuth.REQUIRE)
            .applicationProtocols(ALPN)
            .option(BoringSSLContextOption.SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS)
            .earlyData(false)
            .build();
    client =
        QuicSslContextBuilder.forClient()
            .keyManager(keys, null)
            .trustManager(trust)
            // The peer is named by its key, not a host name: the trust manager pins the key.
            .endpointIdentificationAlgorithm(null)
            .applicationProtocols(ALPN)
            .option(BoringSSLContextOption.SIGNATURE_ALGORITHMS, SIGNATURE_ALGORITHMS)
            .earlyData(false)
            .build();
  }
}
