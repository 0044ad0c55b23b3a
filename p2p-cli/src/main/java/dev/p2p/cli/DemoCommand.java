package dev.p2p.cli;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.P2P;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.simulator.SimNetwork;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Starts two peers with the configured provider, sends messages one way and echoes them back, and
 * prints what the connection saw.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts two peers, exchanges messages and prints what the connection saw.",
      "The provider comes from --provider, else P2P_IMPLEMENTATION, else the simulator.",
      "Simulator conditions come from SIMULATOR_P2P_* (e.g. SIMULATOR_P2P_PACKET_LOSS=0.2)."
    })
final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--provider",
      description = "simulator, quic or tunnel (default: P2P_IMPLEMENTATION, else simulator)")
  String provider;

  @Option(
      names = "--messages",
      defaultValue = "50",
      description = "messages to echo (default ${DEFAULT-VALUE})")
  int messages;

  @Option(
      names = "--size",
      defaultValue = "1024",
      description = "bytes per message (default ${DEFAULT-VALUE})")
  int size;

  @Option(
      names = "--listen",
      description = "listen address (default: the provider's loopback form)")
  String listenAddress;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    P2PConfig env = P2PConfig.fromEnvironment();
    String name = provider != null ? provider : env.implementation().orElse("simulator");
    P2PConfig config = env.toBuilder().implementation(name).build();
    List<String> events = new ArrayList<>();
    long start = System.nanoTime();
    try (P2PProvider server = P2P.open(config);
        P2PProvider client = P2P.open(config)) {
      out.printf("provider   %s%n", server.name());
      out.printf("server     %s%n", server.localPeerId());
      out.printf("client     %s%n", client.localPeerId());
      P2PListener listener =
          server.listen(listenAddress != null ? listenAddress : DemoAddresses.listen(name)).join();
      out.printf("listening  %s%n", listener.localAddr());
      CompletableFuture<P2PConnection> accepted = listener.accept();
      P2PConnection connection = client.connect(listener.peerAddress()).join();
      connection.addListener(recorder(events));
      P2PConnection serverSide = accepted.join();
      out.printf(
          "connected  %s -> %s in %.1f ms, state %s%n",
          client.localPeerId().shortString(),
          connection.peerId().shortString(),
          (System.nanoTime() - start) / 1e6,
          connection.state());
      CompletableFuture<Void> echo = echo(serverSide, messages);
      long exchangeStart = System.nanoTime();
      for (int i = 0; i < messages; i++) {
        connection.send(payload(i)).join();
      }
      for (int i = 0; i < messages; i++) {
        byte[] back = connection.recv().join();
        if (!Arrays.equals(back, payload(i))) {
          throw new IllegalStateException("echo " + i + " came back different");
        }
      }
      echo.join();
      double seconds = (System.nanoTime() - exchangeStart) / 1e9;
      print(out, connection, messages, seconds);
      connection.close();
    }
    synchronized (events) {
      events.forEach(e -> out.printf("event      %s%n", e));
    }
    return 0;
  }

  private byte[] payload(int i) {
    byte[] b = new byte[size];
    for (int j = 0; j < b.length; j++) {
      b[j] = (byte) (i + j);
    }
    return b;
  }

  private static CompletableFuture<Void> echo(P2PConnection conn, int count) {
    return CompletableFuture.runAsync(
        () -> {
          for (int i = 0; i < count; i++) {
            conn.send(conn.recv().join()).join();
          }
        });
  }

  private static ConnectionListener recorder(List<String> events) {
    return new ConnectionListener() {
      @Override
      public void stateChanged(ConnectionStateEvent e) {
        synchronized (events) {
          events.add(e.previous() + " -> " + e.current() + " (" + e.reason() + ")");
        }
      }

      @Override
      public void pathChanged(PathChangeEvent e) {
        synchronized (events) {
          events.add("path " + e.previous() + " -> " + e.current() + " (" + e.reason() + ")");
        }
      }
    };
  }

  private void print(PrintWriter out, P2PConnection c, int count, double seconds) {
    ConnectionStats s = c.stats();
    out.printf("echoed     %d messages of %d bytes in %.3f s%n", count, size, seconds);
    out.printf("path       %s%n", s.path());
    out.printf("rtt        %.1f ms%n", s.rtt().toNanos() / 1e6);
    out.printf("sent       %d messages, %d bytes%n", s.messagesSent(), s.bytesSent());
    out.printf("received   %d messages, %d bytes%n", s.messagesReceived(), s.bytesReceived());
    out.printf("loss       %.1f%% of packets%n", s.packetLoss() * 100);
    SimNetwork.countersOf(c)
        .ifPresent(
            k ->
                out.printf(
                    "packets    %d sent, %d lost, %d duplicated, %d retransmissions%n",
                    k.packetsSent(), k.packetsLost(), k.packetsDuplicated(), k.retransmissions()));
  }
}
