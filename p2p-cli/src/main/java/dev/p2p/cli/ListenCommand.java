package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Listens with QUIC, prints a ticket, and for each connection prints and echoes the lines a {@code
 * p2p connect} sends, or saves the file it sends.
 */
@Command(
    name = "listen",
    mixinStandardHelpOptions = true,
    description = {
      "Listens for QUIC peers and prints a ticket for 'p2p connect'.",
      "Prints each line a peer sends and echoes it back. With --save DIR it",
      "also takes files: NAME arrives as DIR/NAME.part, renamed to DIR/NAME once",
      "its length and SHA-256 match what the sender sent. A cut transfer is",
      "reported on stderr and its .part kept. One connection at a time.",
      "Prints the path each connection is on (direct or relayed) and each change.",
      "",
      "Exit status with --once: 0 the transfer was verified; 1 it failed;",
      "2 could not listen (bad address, port in use, bad key or --save DIR)."
    })
final class ListenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--addr",
      defaultValue = "0.0.0.0:0",
      description = "UDP address to listen on (default ${DEFAULT-VALUE})")
  String address;

  @Mixin PeerOptions peer;

  @Option(
      names = "--save",
      description =
          "existing directory for files from 'p2p connect --file', saved under"
              + " the sender's file name; an existing file is never overwritten")
  Path saveDir;

  @Option(names = "--once", description = "exit after the first connection ends")
  boolean once;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (saveDir != null) {
      CliChecks.writableDirectory("--save", saveDir);
    }
    try (P2PProvider provider = peer.open(P2PConfig.fromEnvironment(), "quic");
        P2PListener listener = Connections.listen(provider, address, out)) {
      boolean ok;
      do {
        P2PConnection c = Connections.accept(listener, out);
        ok = new Receiver(c, saveDir, out, err).serve();
        synchronized (out) {
          out.printf("closed     %s (%s)%n", c.peerId(), c.stats());
          out.flush();
        }
      } while (!once);
      return ok ? 0 : 1;
    }
  }
}
