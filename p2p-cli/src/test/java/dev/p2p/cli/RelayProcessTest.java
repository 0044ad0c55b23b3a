package dev.p2p.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code p2p relay} as a user runs it: its own JVM, found by what it prints, stopped by SIGTERM.
 */
@Timeout(120)
class RelayProcessTest {
  private static final Duration START = Duration.ofSeconds(30);
  private static final Duration STOP = Duration.ofSeconds(15);

  @Test
  void servesHealthMetricsAndStunThenStopsCleanlyOnSigterm() throws Exception {
    try (CliProcess relay = CliProcess.start("relay", "--port", "0", "--stun-port", "0")) {
      URI url = URI.create(relay.awaitOut("^relay +(http://127\\.0\\.0\\.1:\\d+)$", START));
      String stun = relay.awaitOut("^stun +(127\\.0\\.0\\.1:\\d+)$", START);
      assertTrue(url.getPort() > 0, "port 0 is replaced by the one bound: " + url);

      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpResponse<String> health = get(http, url.resolve("/healthz"));
      assertEquals(200, health.statusCode());
      HttpResponse<String> metrics = get(http, url.resolve("/metrics"));
      assertEquals(200, metrics.statusCode());
      assertTrue(metrics.body().contains("p2p_relay_clients"), metrics.body());

      int port = Integer.parseInt(stun.substring(stun.lastIndexOf(':') + 1));
      assertEquals(0x0101, stunBindingResponseType(port), "a STUN Binding success response");

      long stop = System.nanoTime();
      relay.terminate();
      assertEquals(0, relay.exitCode(STOP), relay.toString());
      assertTrue(System.nanoTime() - stop < STOP.toNanos());
      assertTrue(relay.out().contains("relay      stopped\n"), relay.toString());
    }
  }

  @Test
  void aPortInUseIsOneLineAndExit2() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      try (CliProcess relay =
          CliProcess.start("relay", "--port", String.valueOf(port), "--stun-port", "0")) {
        assertEquals(2, relay.exitCode(STOP), relay.toString());
        TransferChecks.assertOneLine(
            relay.err(), "p2p: cannot bind the relay port " + port + " .*choose another port.*");
      }
    }
  }

  @Test
  void aMissingTlsFileIsOneLineAndExit2() throws Exception {
    try (CliProcess relay =
        CliProcess.start(
            Map.of(),
            "relay",
            "--port",
            "0",
            "--tls-cert",
            "/nonexistent/cert.pem",
            "--tls-key",
            "/nonexistent/key.pem")) {
      assertEquals(2, relay.exitCode(STOP), relay.toString());
      TransferChecks.assertOneLine(
          relay.err(), "p2p: --tls-cert /nonexistent/cert\\.pem: no such file");
    }
  }

  @Test
  void tlsFilesThatAreNotPemAreOneLineAndExit2() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("relay-tls");
    java.nio.file.Path cert = java.nio.file.Files.writeString(dir.resolve("cert.pem"), "no\ncert");
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("key.pem"), "no key");
    try (CliProcess relay =
        CliProcess.start(
            "relay",
            "--port",
            "0",
            "--stun-port",
            "0",
            "--tls-cert",
            cert.toString(),
            "--tls-key",
            key.toString())) {
      assertEquals(2, relay.exitCode(STOP), relay.toString());
      TransferChecks.assertOneLine(
          relay.err(), "p2p: cannot use TLS certificate \\S+cert\\.pem and key .*PKCS#8.*");
    }
  }

  @Test
  void onEveryInterfaceItSaysToUseThisHostsAddress() {
    StringWriter out = new StringWriter();
    int code = relayInThisJvm(out, new StringWriter(), "--host", "0.0.0.0", "--for", "1");
    assertEquals(0, code);
    assertTrue(
        Pattern.compile("(?m)^peers use  P2P_RELAY_SERVERS=http://THIS-HOST:\\d+ ")
            .matcher(out.toString())
            .find(),
        out.toString());
  }

  @Test
  void forSecondsStopsByItselfInThisJvm() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = relayInThisJvm(out, err, "--for", "1");
    assertEquals(0, code, err.toString());
    assertTrue(out.toString().contains("stun       off\n"), out.toString());
    assertTrue(out.toString().contains("relay      stopped after 1 s\n"), out.toString());
  }

  @Test
  void tlsFlagsServeHttps() throws Exception {
    SelfSignedCertificate cert = new SelfSignedCertificate("localhost");
    try {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CompletableFuture<Integer> run =
          CompletableFuture.supplyAsync(
              () ->
                  relayInThisJvm(
                      out,
                      err,
                      "--host",
                      "localhost",
                      "--tls-cert",
                      cert.certificate().toString(),
                      "--tls-key",
                      cert.privateKey().toString(),
                      "--for",
                      "3"));
      Pattern url = Pattern.compile("(?m)^relay +(https://localhost:\\d+)$");
      CliProcess.await(
          () -> url.matcher(out.toString()).find() || run.isDone(), START, "the relay's URL");
      Matcher m = url.matcher(out.toString());
      assertTrue(m.find(), out + "\n" + err);
      HttpClient https =
          HttpClient.newBuilder()
              .sslContext(trusting(cert.cert()))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      assertEquals(200, get(https, URI.create(m.group(1)).resolve("/healthz")).statusCode());
      assertEquals(0, run.get(30, TimeUnit.SECONDS), err.toString());
    } finally {
      cert.delete();
    }
  }

  /** {@code p2p relay} on a free port without STUN, in this JVM: {@code more} adds options. */
  private static int relayInThisJvm(StringWriter out, StringWriter err, String... more) {
    List<String> args = new ArrayList<>(List.of("relay", "--port", "0", "--stun-port", "-1"));
    args.addAll(List.of(more));
    return Main.run(
        new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
  }

  /** TLS that trusts exactly this certificate. */
  private static SSLContext trusting(X509Certificate cert) throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    ks.setCertificateEntry("relay", cert);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    return ssl;
  }

  private static HttpResponse<String> get(HttpClient http, URI uri) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Sends an RFC 8489 Binding request to the port and returns the answer's message type. */
  private static int stunBindingResponseType(int port) throws Exception {
    try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      s.setSoTimeout(5000);
      ByteBuffer req = ByteBuffer.allocate(20).putShort((short) 0x0001).putShort((short) 0);
      req.putInt(0x2112A442).putLong(0x0102030405060708L).putInt(0x090a0b0c);
      s.send(
          new DatagramPacket(
              req.array(), 20, new InetSocketAddress(InetAddress.getLoopbackAddress(), port)));
      DatagramPacket answer = new DatagramPacket(new byte[1024], 1024);
      s.receive(answer);
      return ByteBuffer.wrap(answer.getData(), 0, answer.getLength()).getShort() & 0xffff;
    }
  }
}
