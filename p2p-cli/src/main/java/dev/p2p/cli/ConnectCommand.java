package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Dials a ticket with QUIC and sends stdin lines (printing the echoes) or a file. */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = {
      "Connects to a peer by its ticket (from 'p2p listen') over QUIC.",
      "Sends each line of stdin and prints the echo, or sends --file with a progress bar."
    })
final class ConnectCommand implements Callable<Integer> {
  private static final int CHUNK = 64 * 1024;
  private static final int IN_FLIGHT = 64;

  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "the peer's ticket (p2p1...)")
  String ticket;

  @Option(names = "--file", description = "send this file instead of stdin lines")
  Path file;

  @Option(
      names = "--key",
      description = "identity key file (default: P2P_KEY_FILE, else a new key)")
  Path key;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PeerAddress peer = PeerAddress.parseTicket(ticket.strip());
    try (P2PProvider provider = QuicCliSupport.open(key)) {
      P2PConnection c = provider.connect(peer).join();
      out.printf("connected  %s%n", c.peerId());
      out.flush();
      if (file != null) {
        sendFile(c, spec.commandLine().getErr());
      } else {
        sendLines(c, out);
      }
      out.printf("stats      %s%n", c.stats());
      out.flush();
      c.close();
    }
    return 0;
  }

  private void sendLines(P2PConnection c, PrintWriter out) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      c.send(line.getBytes(StandardCharsets.UTF_8)).join();
      byte[] echo = c.recv().get(30, TimeUnit.SECONDS);
      out.printf("echo       %s%n", new String(echo, StandardCharsets.UTF_8));
      out.flush();
    }
  }

  private void sendFile(P2PConnection c, PrintWriter err) throws Exception {
    long total = Files.size(file);
    long sent = 0;
    long start = System.nanoTime();
    ArrayDeque<CompletableFuture<Void>> inFlight = new ArrayDeque<>();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[CHUNK];
      int n;
      int lastPercent = -1;
      while ((n = in.readNBytes(buf, 0, CHUNK)) > 0) {
        inFlight.add(c.send(Arrays.copyOf(buf, n)));
        if (inFlight.size() >= IN_FLIGHT) {
          inFlight.poll().join();
        }
        sent += n;
        int percent = total == 0 ? 100 : (int) (sent * 100 / total);
        if (percent != lastPercent) {
          lastPercent = percent;
          progress(err, percent, sent, start);
        }
      }
    }
    for (CompletableFuture<Void> f : inFlight) {
      f.join();
    }
    progress(err, 100, sent, start);
    err.println();
    err.flush();
  }

  private static void progress(PrintWriter err, int percent, long bytes, long start) {
    int width = 30;
    int filled = percent * width / 100;
    double secs = Math.max(1e-9, (System.nanoTime() - start) / 1e9);
    err.printf(
        "\r[%s%s] %3d%% %,d bytes %.1f MB/s",
        "#".repeat(filled), " ".repeat(width - filled), percent, bytes, bytes / secs / 1e6);
    err.flush();
  }
}
