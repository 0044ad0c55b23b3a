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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Offers one file: prints a ticket, waits for one {@code p2p receive}, sends, and ends only when
 * the receiver has confirmed what it saved. The roles of listen/connect reversed: the side that
 * waits is the one that sends.
 */
@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    description = {
      "Sends FILE to one 'p2p receive TICKET', on this machine or another.",
      "Prints a ticket, waits for the receiver, and sends through whatever path",
      "works (direct, or a relay from --relay / P2P_RELAY_SERVERS), printing the",
      "path and each change. Ends only when the receiver has checked the length and",
      "SHA-256 of what it saved, printing 'delivered N bytes, sha256 HEX",
      "verified'. A progress bar (with the path) is drawn on a terminal only.",
      "",
      "Exit status: 0 delivered and verified; 1 the transfer failed, and one",
      "line says how; 2 nothing was sent: bad input, or could not listen."
    })
final class SendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "the file to send")
  Path file;

  @Option(
      names = "--addr",
      description = "address to listen on (default: 0.0.0.0:0 for QUIC, the server for a tunnel)")
  String address;

  @Mixin ProviderOption provider;

  @Mixin PeerOptions peer;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    CliChecks.readableFile(null, file);
    try (P2PProvider p = provider.open(peer, P2PConfig.fromEnvironment(), "send");
        P2PListener listener =
            Connections.listen(
                p, address != null ? address : ProviderOption.defaultListenAddress(p), out)) {
      out.printf("waiting    for one 'p2p receive TICKET'%n");
      out.flush();
      P2PConnection c = Connections.accept(listener, out);
      FileSender.Delivered d = FileSender.send(c, file, err);
      synchronized (out) {
        out.printf("stats      %s%n", c.stats());
        out.printf("delivered %s verified%n", d.describe());
        out.flush();
      }
    }
    return 0;
  }
}
