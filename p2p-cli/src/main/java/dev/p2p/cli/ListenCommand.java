package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
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
      "",
      "Exit status with --once: 0 the transfer was verified; 1 it failed;",
      "2 could not listen (bad address, port in use, bad key or --save DIR)."
    })
final class ListenCommand implements Callable<Integer> {
  private static final long LISTEN_TIMEOUT_SECONDS = 30;

  @Spec CommandSpec spec;

  @Option(
      names = "--addr",
      defaultValue = "0.0.0.0:0",
      description = "UDP address to listen on (default ${DEFAULT-VALUE})")
  String address;

  @Option(
      names = "--key",
      description = "identity key file (default: P2P_KEY_FILE, else a new key)")
  Path key;

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
    try (P2PProvider provider = QuicCliSupport.open(key);
        P2PListener listener =
            provider.listen(address).get(LISTEN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      out.printf("peer id    %s%n", provider.localPeerId());
      out.printf("listening  %s%n", listener.localAddr());
      out.printf("ticket     %s%n", listener.peerAddress().toTicket());
      out.flush();
      boolean ok;
      do {
        P2PConnection c = next(listener.accept());
        out.printf("connected  %s%n", c.peerId());
        out.flush();
        ok = new Receiver(c, saveDir, out, err).serve();
        out.printf("closed     %s (%s)%n", c.peerId(), c.stats());
        out.flush();
      } while (!once);
      return ok ? 0 : 1;
    }
  }

  /** A server waits for its next peer as long as it runs; the wait still wakes up regularly. */
  private static P2PConnection next(CompletableFuture<P2PConnection> accept) throws Exception {
    for (; ; ) {
      try {
        return accept.get(1, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // keep waiting on the same future: abandoning it could drop a connection
      }
    }
  }
}
