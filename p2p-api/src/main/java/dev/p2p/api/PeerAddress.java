package dev.p2p.api;

import dev.p2p.api.internal.TicketCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything needed to dial a peer: its id, the direct addresses it may be reached at, and an
 * optional relay.
 *
 * <p>{@link #toTicket()} gives a compact, copy-pasteable text ({@code p2p1...}) that {@link
 * #parseTicket(String)} turns back into an equal address. The text is versioned and checksummed, so
 * a typo is reported instead of dialling the wrong peer.
 *
 * @param peerId who to reach
 * @param relay a relay that forwards to the peer, if any
 * @param directAddresses addresses to try directly, best first
 */
public record PeerAddress(
    PeerId peerId, Optional<URI> relay, List<InetSocketAddress> directAddresses) {

  public PeerAddress {
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(relay, "relay");
    directAddresses = List.copyOf(directAddresses);
  }

  /** An address holding just the id: the provider must find the rest itself. */
  public static PeerAddress of(PeerId id) {
    return new PeerAddress(id, Optional.empty(), List.of());
  }

  /** An address with direct addresses and no relay. */
  public static PeerAddress of(PeerId id, List<InetSocketAddress> directAddresses) {
    return new PeerAddress(id, Optional.empty(), directAddresses);
  }

  /** The versioned ticket text, lowercase letters and digits only. */
  public String toTicket() {
    return TicketCodec.encode(this);
  }

  /**
   * Parses a ticket made by {@link #toTicket()}.
   *
   * @throws IllegalArgumentException saying what is wrong (unknown version, bad checksum, ...)
   */
  public static PeerAddress parseTicket(String ticket) {
    return TicketCodec.decode(ticket);
  }
}
