package dev.p2p.cli;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Fetches the file a {@code p2p send} offers, by its ticket, into a directory. */
@Command(
    name = "receive",
    mixinStandardHelpOptions = true,
    description = {
      "Fetches the file a 'p2p send' offers, by its ticket.",
      "Goes through whatever path works, printing the path and each change.",
      "NAME arrives as DIR/NAME.part and is renamed to DIR/NAME only once its",
      "length and SHA-256 match what the sender sent. A cut transfer is",
      "reported and its .part kept; an existing file is never overwritten.",
      "",
      "Exit status: 0 saved and verified; 1 the transfer failed or was refused,",
      "and one line says how; 2 nothing was fetched: bad ticket, --out DIR, or",
      "no connection."
    })
final class ReceiveCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "TICKET", description = "the ticket 'p2p send' printed")
  String ticket;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = ".",
      description = "existing directory to save into (default: the current one)")
  Path outDir;

  @Mixin ProviderOption provider;

  @Mixin PeerOptions peer;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliChecks.writableDirectory("--out", outDir);
    PeerAddress address = PeerAddress.parseTicket(ticket.strip());
    try (P2PProvider p = provider.open(peer, P2PConfig.fromEnvironment(), "receive")) {
      P2PConnection c = Connections.dial(p, address, out);
      return new Receiver(c, outDir, out, err).filesOnly().serve() ? 0 : 1;
    }
  }
}
