package dev.p2p.quic.internal;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.path.transports.RelayTransport;
import dev.p2p.relay.internal.RelayClient;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;

/**
 * Finding a peer to dial: its known ticket ({@code addKnownPeer}, {@code P2P_BOOTSTRAP_PEERS}), the
 * address given, and the relays, which are the rendezvous when no address is known: the first
 * flight goes through every relay we are logged in to (see {@link RelayTransport} for why), plus
 * the ticket's relay, logged in to on demand.
 */
final class QuicRendezvous {
  private final QuicSettings settings;
  private final RelayTransport relays; // null when direct-only
  private final QuicDialer dialer;
  private final Function<InetSocketAddress, Channel> socket;
  private final Map<PeerId, PeerAddress> knownPeers = new ConcurrentHashMap<>();

  QuicRendezvous(
      QuicSettings settings,
      RelayTransport relays,
      QuicDialer dialer,
      Function<InetSocketAddress, Channel> socket) {
    this.settings = settings;
    this.relays = relays;
    this.dialer = dialer;
    this.socket = socket;
  }

  /** How the provider logs in to a relay: its identity and token, on its own event loop. */
  static Function<URI, RelayClient.Options> relayLogins(
      Ed25519Identity identity, EventLoopGroup group, QuicSettings settings) {
    return relay -> {
      RelayClient.Options o =
          RelayClient.Options.of(relay, identity, group)
              .withToken(settings.relay().token())
              .withChannelType(settings.udpTransport().tcpChannelClass())
              .withTimeout(settings.connectTimeout())
              .withReceiveBuffer(settings.relay().receiveBuffer())
              .withBatches(settings.relay().batches());
      if ("https".equals(relay.getScheme())) {
        try {
          o = o.withSsl(SslContextBuilder.forClient().build());
        } catch (SSLException e) {
          throw new ConfigurationException("cannot set up TLS for relay " + relay + ": " + e, e);
        }
      }
      return o;
    };
  }

  void addKnownPeer(PeerAddress address) {
    knownPeers.put(address.peerId(), address);
  }

  /**
   * After the first welcome, how long the other configured relays' first logins may still take
   * before listening or dialling goes on without them.
   */
  static final long OTHER_LOGINS_GRACE_MS = 2000;

  /**
   * Completes once every configured relay has welcomed us or failed once, within a bound: a peer
   * found by {@code PeerId} must be at a relay both sides share, so listening on one relay's login
   * while the dialler has only logged in to another fails the dial ("not logged in"). One relay
   * that never answers delays it by at most {@link #OTHER_LOGINS_GRACE_MS} after the first welcome
   * (and half the connect timeout in all).
   */
  CompletableFuture<Void> relaysReady() {
    if (relays == null) {
      return CompletableFuture.completedFuture(null);
    }
    return bounded(
        relays
            .firstLogins()
            .thenCompose(
                v ->
                    relays
                        .allFirstAttempts()
                        .completeOnTimeout(null, OTHER_LOGINS_GRACE_MS, TimeUnit.MILLISECONDS)));
  }

  private CompletableFuture<Void> bounded(CompletableFuture<Void> f) {
    return f.copy()
        .completeOnTimeout(null, settings.connectTimeout().toMillis() / 2, TimeUnit.MILLISECONDS);
  }

  CompletableFuture<P2PConnection> connect(PeerId peer) {
    PeerAddress known = lookUp(peer);
    if (known != null
        && (!known.directAddresses().isEmpty() || known.relay().isPresent() && relays != null)) {
      return connect(known);
    }
    if (relays != null) {
      return dial(PeerAddress.of(peer));
    }
    return CompletableFuture.failedFuture(
        new PeerNotFoundException(
            "no address known for peer "
                + peer.shortString()
                + "...; dial its ticket (connect(PeerAddress)) or add the ticket to "
                + QuicSettings.BOOTSTRAP_PEERS));
  }

  CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    if (peer.directAddresses().isEmpty() && (peer.relay().isEmpty() || relays == null)) {
      PeerAddress known = lookUp(peer.peerId());
      if (known != null && !known.equals(peer)) {
        return connect(known);
      }
      if (relays == null) {
        return connect(peer.peerId());
      }
    }
    return dial(peer);
  }

  private PeerAddress lookUp(PeerId peer) {
    PeerAddress known = knownPeers.get(peer);
    if (known != null) {
      return known;
    }
    for (PeerAddress a : settings.bootstrapPeers()) {
      if (a.peerId().equals(peer)) {
        return a;
      }
    }
    return null;
  }

  /**
   * Dials over every route: the direct addresses (unless relay-only), the ticket's relay (logged in
   * to on demand) and every relay we are logged in to.
   */
  private CompletableFuture<P2PConnection> dial(PeerAddress peer) {
    Channel ch;
    URI ticketRelay;
    try {
      ch = socket.apply(null);
      ticketRelay = ticketRelay(peer);
    } catch (P2PException e) {
      return CompletableFuture.failedFuture(e);
    }
    PeerAddress target =
        settings.relay().policy().relayOnly()
            ? new PeerAddress(peer.peerId(), peer.relay(), List.of())
            : peer;
    CompletableFuture<Void> ready =
        ticketRelay == null
            ? relaysReady()
            : CompletableFuture.allOf(relaysReady(), bounded(relays.firstAttempt(ticketRelay)));
    return ready.thenCompose(
        v -> {
          List<URI> via = new ArrayList<>();
          if (ticketRelay != null) {
            via.add(ticketRelay);
          }
          if (relays != null) {
            relays.loggedIn().stream().filter(u -> !via.contains(u)).forEach(via::add);
          }
          if (target.directAddresses().isEmpty() && via.isEmpty()) {
            return CompletableFuture.failedFuture(noRoute(peer.peerId()));
          }
          return dialer.dial(ch, target, via);
        });
  }

  private URI ticketRelay(PeerAddress peer) {
    if (relays == null || peer.relay().isEmpty()) {
      return null;
    }
    try {
      URI u = RelaySettings.normalize(peer.relay().get());
      relays.ensure(u);
      return u;
    } catch (IllegalArgumentException e) {
      throw new ConnectionFailedException(
          "the ticket's relay " + peer.relay().get() + " is unusable: " + e.getMessage(), e);
    }
  }

  private PeerNotFoundException noRoute(PeerId peer) {
    return new PeerNotFoundException(
        "no address known for peer "
            + peer.shortString()
            + "... and no relay to look for it on ("
            + RelaySettings.RELAY_SERVERS
            + (settings.relay().servers().isEmpty()
                ? " is empty"
                : "=" + settings.relay().servers() + ": none reachable")
            + "); dial its ticket (connect(PeerAddress)) or add the ticket to "
            + QuicSettings.BOOTSTRAP_PEERS);
  }
}
