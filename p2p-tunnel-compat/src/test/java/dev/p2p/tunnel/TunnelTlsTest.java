package dev.p2p.tunnel;

import static dev.p2p.tunnel.Futures.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.tunnel.server.TunnelServer;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The optional TLS between clients and the tunnel server. */
class TunnelTlsTest {

  @Test
  void clientsTrustingTheCertificateTalkOverTls() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
    try (TunnelServer server =
        TunnelServer.builder().port(0).tls(cert.certificate(), cert.privateKey()).start()) {
      P2PConfig config =
          P2PConfig.builder()
              .implementation("tunnel")
              .set("P2P_TUNNEL_SERVER", "localhost:" + server.port())
              .set("P2P_TUNNEL_TLS", "true")
              .set("P2P_TUNNEL_TLS_TRUST", cert.certificate().getPath())
              .build();
      try (P2PProvider a = P2P.open(config);
          P2PProvider b = P2P.open(config);
          P2PListener listener = await(b.listen(""))) {
        CompletableFuture<P2PConnection> in = listener.accept();
        P2PConnection out = await(a.connect(b.localPeerId()));
        await(out.send(new byte[] {1, 2, 3}));
        assertArrayEquals(new byte[] {1, 2, 3}, await(await(in).recv()));
      }

      // A plain-TCP client cannot register with a TLS server; it fails instead of hanging.
      P2PConfig plain =
          P2PConfig.builder()
              .implementation("tunnel")
              .set("P2P_TUNNEL_SERVER", "localhost:" + server.port())
              .set("P2P_CONNECT_TIMEOUT_MS", "2000")
              .build();
      try (P2PProvider c = P2P.open(plain)) {
        assertThrows(P2PException.class, () -> await(c.listen("")));
      }
    } finally {
      cert.delete();
    }
  }
}
