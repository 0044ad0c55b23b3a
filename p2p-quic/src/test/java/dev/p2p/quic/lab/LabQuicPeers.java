package dev.p2p.quic.lab;

import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatLab;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * The QUIC lab tests' common set-up: one {@link LabQuicRelayMain} child serving a relay on each of
 * the lab's relay addresses, and one {@link LabQuicPeerMain} child per side logged in to all of
 * them.
 */
final class LabQuicPeers {
  private LabQuicPeers() {}

  /** Starts the relays and returns their URLs, comma-separated (a P2P_RELAY_SERVERS value). */
  static String startRelays(NatLab lab, Duration wait)
      throws IOException, TimeoutException, InterruptedException {
    List<String> relayIps = lab.relayAddresses().stream().map(InetAddress::getHostAddress).toList();
    LabProcess relay =
        lab.exec(
            lab.relayNamespace(),
            "relay",
            NatLab.javaCommand(LabQuicRelayMain.class.getName(), relayIps));
    List<String> urls = new ArrayList<>();
    for (int i = 0; i < relayIps.size(); i++) {
      urls.add(relay.await("RELAY ", wait));
    }
    relay.await("READY", wait);
    return String.join(",", urls);
  }

  /** Starts one peer per side, in side order, each using the relays at {@code urls}. */
  static List<LabProcess> startPeers(NatLab lab, String urls) throws IOException {
    List<LabProcess> peers = new ArrayList<>();
    for (LabSide side : lab.sides()) {
      peers.add(
          lab.exec(
              side.hostNamespace(),
              "peer-" + side.index(),
              NatLab.javaCommand(LabQuicPeerMain.class.getName(), List.of(urls))));
    }
    return peers;
  }
}
