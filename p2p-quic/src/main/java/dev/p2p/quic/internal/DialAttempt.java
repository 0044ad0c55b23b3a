package dev.p2p.quic.internal;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.tls.PinnedPeer;
import java.net.InetSocketAddress;
import java.util.List;

/** What one outgoing connect expects, and why its handshake failed if it did. */
final class DialAttempt implements PinnedPeer {
  private final PeerId expected;
  private final List<InetSocketAddress> addresses;
  private final List<java.net.URI> relays;
  private volatile String authenticationFailure;

  DialAttempt(PeerId expected, List<InetSocketAddress> addresses, List<java.net.URI> relays) {
    this.expected = expected;
    this.addresses = List.copyOf(addresses);
    this.relays = List.copyOf(relays);
  }

  @Override
  public PeerId expected() {
    return expected;
  }

  @Override
  public String describeAddresses() {
    String direct = addresses.size() == 1 ? addresses.get(0).toString() : addresses.toString();
    if (relays.isEmpty()) {
      return direct;
    }
    String via = "relay" + (relays.size() == 1 ? " " + relays.get(0) : "s " + relays);
    return addresses.isEmpty() ? via : direct + " or " + via;
  }

  @Override
  public void authenticationFailed(String why) {
    authenticationFailure = why;
  }

  /** Null unless the peer's certificate was rejected. */
  String authenticationFailure() {
    return authenticationFailure;
  }
}
