package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Dials a ticket with QUIC and sends stdin lines (printing the echoes) or a file, and ends only
 * when the receiver has confirmed what arrived.
 */
@Command(
    name = "connect",
    mixinStandardHelpOptions = true,
    description = {
      "Connects to a peer by its ticket (from 'p2p listen') over QUIC.",
      "Sends each line of stdin and prints its echo, or sends --file.",
      "Ends only when the receiver has checked the length and SHA-256 of what",
      "arrived and said so, printing 'delivered N bytes, sha256 HEX verified'",
      "(or 'N lines'). A progress bar is drawn on a terminal only.",
      "Prints the path the connection is on (direct or relayed) and each change.",
      "",
      "Exit status: 0 delivered and verified; 1 the transfer failed, and one",
      "line says how ('peer vanished after N of M bytes', 'checksum mismatch');",
      "2 nothing was sent: bad input, or no connection."
    })
final class ConnectCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", description = "the peer's ticket (p2p1...)")
  String ticket;

  @Option(names = "--file", description = "send this file instead of stdin lines")
  Path file;

  @Mixin PeerOptions peer;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (file != null) {
      CliChecks.readableFile("--file", file);
    }
    PeerAddress address = PeerAddress.parseTicket(ticket.strip());
    try (P2PProvider provider = peer.open(P2PConfig.fromEnvironment(), "quic")) {
      P2PConnection c = Connections.dial(provider, address, out);
      String delivered;
      if (file != null) {
        delivered = FileSender.send(c, file, err).describe();
      } else {
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        delivered = LineSender.send(c, in, out).describe();
      }
      synchronized (out) {
        out.printf("stats      %s%n", c.stats());
        out.printf("delivered %s verified%n", delivered);
        out.flush();
      }
    }
    return 0;
  }
}
