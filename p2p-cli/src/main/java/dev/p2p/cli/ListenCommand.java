package dev.p2p.cli;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Listens with QUIC, prints a ticket, and for each connection either echoes what arrives (printing
 * it) or saves it to a file.
 */
@Command(
    name = "listen",
    mixinStandardHelpOptions = true,
    description = {
      "Listens for QUIC peers and prints a ticket for 'p2p connect'.",
      "Echoes each message back and prints it, or with --save writes what arrives to a file."
    })
final class ListenCommand implements Callable<Integer> {
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
      description = "directory: each connection's messages are appended to <peer-id>.bin there")
  Path saveDir;

  @Option(names = "--once", description = "exit after the first connection ends")
  boolean once;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (P2PProvider provider = QuicCliSupport.open(key);
        P2PListener listener = provider.listen(address).join()) {
      out.printf("peer id    %s%n", provider.localPeerId());
      out.printf("listening  %s%n", listener.localAddr());
      out.printf("ticket     %s%n", listener.peerAddress().toTicket());
      out.flush();
      do {
        P2PConnection c = listener.accept().join();
        out.printf("connected  %s%n", c.peerId());
        out.flush();
        serve(c, out);
        out.printf("closed     %s (%s)%n", c.peerId(), c.stats());
        out.flush();
      } while (!once);
    }
    return 0;
  }

  private void serve(P2PConnection c, PrintWriter out) throws IOException {
    OutputStream file = null;
    if (saveDir != null) {
      Files.createDirectories(saveDir);
      Path target = saveDir.resolve(c.peerId() + ".bin");
      file = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
      out.printf("saving to  %s%n", target);
      out.flush();
    }
    try {
      for (; ; ) {
        byte[] m;
        try {
          m = c.recv().join();
        } catch (CompletionException e) {
          if (e.getCause() instanceof ConnectionClosedException) {
            return;
          }
          throw e;
        }
        if (file != null) {
          file.write(m);
        } else {
          out.println(new String(m, StandardCharsets.UTF_8));
          out.flush();
          c.send(m).join();
        }
      }
    } finally {
      if (file != null) {
        file.close();
      }
      c.close();
    }
  }
}
