package dev.p2p.quic.internal.path;

import dev.p2p.api.Path;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;

/**
 * Where the path layer sends a peer's packets: straight to a UDP address, or through a relay that
 * knows the peer by its id (iroh's {@code transports::Addr}: {@code Ip} or {@code Relay}).
 */
public sealed interface Route {
  /** The public view of this route. */
  Path toPath();

  /**
   * A direct UDP address of the peer, reached from the provider's own socket ({@code via} null) or
   * from another socket of ours that birthday probing opened (its NAT mapping is the one that works
   * toward this peer).
   */
  record Direct(InetSocketAddress address, Channel via) implements Route {
    public Direct {
      Objects.requireNonNull(address, "address");
    }

    public Direct(InetSocketAddress address) {
      this(address, null);
    }

    @Override
    public Path toPath() {
      return Path.direct(address);
    }

    @Override
    public String toString() {
      return via == null ? address.toString() : address + " via " + via.localAddress();
    }
  }

  /** A relay the peer is logged in to (the peer's id is its {@link PeerPath}'s). */
  record Relayed(URI relay) implements Route {
    public Relayed {
      Objects.requireNonNull(relay, "relay");
    }

    @Override
    public Path toPath() {
      return Path.relayed(relay);
    }

    @Override
    public String toString() {
      return "relay " + relay;
    }
  }
}
