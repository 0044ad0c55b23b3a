package dev.p2p.quic.internal.tls;

import dev.p2p.api.PeerId;

/** The peer one outgoing handshake must prove to be, and where to record why it did not. */
public interface PinnedPeer {
  /** The id whose key the server's certificate must carry. */
  PeerId expected();

  /** Where the dial went, for error messages. */
  String describeAddresses();

  /** Records why the certificate was rejected, for the dial's error. */
  void authenticationFailed(String why);
}
