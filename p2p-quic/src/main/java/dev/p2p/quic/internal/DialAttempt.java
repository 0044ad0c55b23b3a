package dev.p2p.quic.internal;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.tls.PinnedPeer;
import java.net.InetSocketAddress;
import java.util.List;

/** What one outgoing connect expects, and why its handshake failed if it did. */
final class DialAttempt implements PinnedPeer {
  private final PeerId expected;
  private final List<InetSocketAddress> addresses;
  private volatile String authenticationFailure;

  DialAttempt(PeerId expected, List<InetSocketAddress> addresses) {
    this.expected = expected;
    this.addresses = List.copyOf(addresses);
  }

  @Override
  public PeerId expected() {
    return expected;
  }

  @Override
  public String describeAddresses() {
    return addresses.size() == 1 ? addresses.get(0).toString() : addresses.toString();
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
