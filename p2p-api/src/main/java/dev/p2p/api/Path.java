package dev.p2p.api;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a connection's packets go now: straight to a socket address, or through a relay.
 *
 * @param type {@link PathType#DIRECT} or {@link PathType#RELAYED}
 * @param address the remote socket address packets are sent to, when the transport knows one (a
 *     direct path's peer address; empty in the simulator, which has no sockets)
 * @param relay the relay or server the packets cross, for a relayed path
 */
public record Path(PathType type, Optional<InetSocketAddress> address, Optional<URI> relay) {

  public Path {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(relay, "relay");
  }

  /** A direct path to this address. */
  public static Path direct(InetSocketAddress address) {
    return new Path(PathType.DIRECT, Optional.of(address), Optional.empty());
  }

  /** A direct path whose address the transport does not expose. */
  public static Path direct() {
    return new Path(PathType.DIRECT, Optional.empty(), Optional.empty());
  }

  /** A path through this relay (or tunnel server). */
  public static Path relayed(URI relay) {
    return new Path(PathType.RELAYED, Optional.empty(), Optional.of(relay));
  }

  /** A relayed path whose relay the transport does not name. */
  public static Path relayed() {
    return new Path(PathType.RELAYED, Optional.empty(), Optional.empty());
  }

  /** {@code DIRECT 198.18.0.2:4433}, {@code RELAYED via tunnel://host:7000}. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(type.name());
    address.ifPresent(a -> s.append(' ').append(a.getHostString()).append(':').append(a.getPort()));
    relay.ifPresent(r -> s.append(" via ").append(r));
    return s.toString();
  }
}
