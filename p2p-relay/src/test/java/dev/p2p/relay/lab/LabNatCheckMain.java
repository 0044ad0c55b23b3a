package dev.p2p.relay.lab;

import dev.p2p.relay.internal.stun.NatCheck;
import dev.p2p.relay.internal.stun.NatReport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Child process in a lab host namespace: runs {@link NatCheck} against the {@code ip:port} STUN
 * servers given and prints {@code TYPE}, {@code LOCAL}, {@code REFLEXIVE} (comma-separated, one per
 * server in order, {@code -} where none answered) and the summary, then exits.
 */
public final class LabNatCheckMain {
  public static void main(String[] args) throws Exception {
    List<InetSocketAddress> servers = new ArrayList<>();
    for (String a : args) {
      int colon = a.lastIndexOf(':');
      servers.add(
          new InetSocketAddress(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1))));
    }
    NatReport r =
        NatCheck.run(
            new InetSocketAddress(0), servers, Duration.ofSeconds(3), Duration.ofMillis(200));
    System.out.println("LOCAL " + r.localAddress().getPort());
    System.out.println(
        "REFLEXIVE "
            + r.results().stream()
                .map(
                    b ->
                        b.reflexive()
                            .map(x -> x.getAddress().getHostAddress() + ":" + x.getPort())
                            .orElse("-"))
                .collect(Collectors.joining(",")));
    System.out.println("SUMMARY " + r.summary().replace('\n', '|'));
    System.out.println("TYPE " + r.type());
  }
}
