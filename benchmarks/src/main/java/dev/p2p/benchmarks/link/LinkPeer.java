package dev.p2p.benchmarks.link;

import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.tunnel.server.TunnelServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The program each child process of {@link LinkBenchmark} runs, one role per process. Talks to the
 * parent through lines on standard output ({@code READY}, {@code MARK}, {@code RTT}, {@code DONE});
 * logs go to standard error.
 *
 * <pre>
 *   provider-recv LISTEN WARM VOLUME KEY=VALUE...     (LISTEN "-" means listen(""))
 *   provider-send TICKET WARM VOLUME RTT_WARM RTT_N KEY=VALUE...
 *   tcp-recv BIND_IP WARM VOLUME
 *   tcp-send HOST:PORT WARM VOLUME RTT_WARM RTT_N
 *   tunnel-server BIND_IP
 *   relay-server BIND_IP
 * </pre>
 */
public final class LinkPeer {
  static final long WAIT_SECONDS = 120;

  private LinkPeer() {}

  public static void main(String[] args) throws Exception {
    String role = args[0];
    MemoryMonitor.start(Boolean.getBoolean("link.monitor"));
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    switch (role) {
      case "provider-recv" -> providerReceiver(rest);
      case "provider-send" -> providerSender(rest);
      case "tcp-recv" -> tcpReceiver(rest);
      case "tcp-send" -> tcpSender(rest);
      case "tunnel-server" -> tunnelServer(rest);
      case "relay-server" -> relayServer(rest);
      default -> throw new IllegalArgumentException("unknown role " + role);
    }
    System.out.println("PEAK " + MemoryMonitor.peakDirectBytes());
    System.out.println("DONE");
    System.out.flush();
    // Non-daemon threads of a provider that failed to close must not keep the process alive.
    System.exit(0);
  }

  private static void providerReceiver(String[] a) throws Exception {
    P2PProvider provider = P2P.open(config(a, 3));
    P2PListener listener =
        provider.listen(a[0].equals("-") ? "" : a[0]).get(WAIT_SECONDS, TimeUnit.SECONDS);
    say("READY " + listener.peerAddress().toTicket());
    P2PConnection connection = listener.accept().get(WAIT_SECONDS, TimeUnit.SECONDS);
    ProviderEndpoint endpoint = new ProviderEndpoint(provider, connection);
    BulkReceiver.run(endpoint, Long.parseLong(a[1]), Long.parseLong(a[2]));
    say("STATS " + endpoint.stats());
    BulkReceiver.echoUntilClosed(endpoint);
    listener.close();
    provider.close();
  }

  private static void providerSender(String[] a) throws Exception {
    P2PProvider provider = P2P.open(config(a, 5));
    P2PConnection connection =
        provider.connect(PeerAddress.parseTicket(a[0])).get(WAIT_SECONDS, TimeUnit.SECONDS);
    ProviderEndpoint endpoint = new ProviderEndpoint(provider, connection);
    BulkSender.run(endpoint, a);
    say("STATS " + endpoint.stats());
    endpoint.close();
  }

  private static void tcpReceiver(String[] a) throws Exception {
    try (ServerSocket server = new ServerSocket()) {
      server.bind(new InetSocketAddress(InetAddress.getByName(a[0]), 0));
      server.setSoTimeout((int) (WAIT_SECONDS * 1000));
      say("READY " + a[0] + ":" + server.getLocalPort());
      try (Socket s = server.accept()) {
        TcpEndpoint endpoint = new TcpEndpoint(s);
        BulkReceiver.run(endpoint, Long.parseLong(a[1]), Long.parseLong(a[2]));
        BulkReceiver.echoUntilClosed(endpoint);
      }
    }
  }

  private static void tcpSender(String[] a) throws Exception {
    int colon = a[0].lastIndexOf(':');
    Socket s = new Socket();
    s.connect(
        new InetSocketAddress(
            a[0].substring(0, colon), Integer.parseInt(a[0].substring(colon + 1))),
        10_000);
    TcpEndpoint endpoint = new TcpEndpoint(s);
    BulkSender.run(endpoint, a);
    endpoint.close();
  }

  private static void tunnelServer(String[] a) throws Exception {
    try (TunnelServer server =
        TunnelServer.builder()
            .config(P2PConfig.fromEnvironment()) // first: the address below is the run's
            .host(a[0])
            .port(0)
            .workerThreads(
                Integer.getInteger("tunnel.threads", Runtime.getRuntime().availableProcessors()))
            .start()) {
      say("READY " + a[0] + ":" + server.port());
      // Runs until the parent ends it (standard input closes or the process is signalled).
      while (System.in.read() >= 0) {
        // ignore input
      }
    }
  }

  private static void relayServer(String[] a) throws Exception {
    try (dev.p2p.relay.RelayServer relay =
        dev.p2p.relay.RelayServer.builder()
            .config(P2PConfig.fromEnvironment()) // first: the address below is the run's
            .host(a[0])
            .port(0)
            .stunPort(-1)
            .workerThreads(
                Integer.getInteger("relay.threads", Runtime.getRuntime().availableProcessors()))
            .build()
            .start()) {
      say("READY " + relay.url());
      while (System.in.read() >= 0) {
        // ignore input, as the tunnel server
      }
    }
  }

  /**
   * A provider configuration: the process's environment and {@code -Dp2p.*} properties (so {@code
   * --jvm-args} reaches every row), then the KEY=VALUE arguments from index {@code from} on, which
   * win.
   */
  static P2PConfig config(String[] a, int from) {
    return config(P2PConfig.fromEnvironment(), a, from);
  }

  static P2PConfig config(P2PConfig environment, String[] a, int from) {
    P2PConfig.Builder b = environment.toBuilder();
    for (String kv : List.of(a).subList(from, a.length)) {
      int eq = kv.indexOf('=');
      if (kv.startsWith("P2P_IMPLEMENTATION=")) {
        b.implementation(kv.substring(eq + 1));
      } else {
        b.set(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return b.build();
  }

  static void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
