package dev.p2p.quic.internal;

import dev.p2p.api.AuthenticationFailedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.core.Timeouts;
import dev.p2p.core.TransportSettings;
import dev.p2p.quic.internal.path.ClientConnectionIds;
import dev.p2p.quic.internal.path.PathLayerHandler;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.path.Route;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicConnectionAddress;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Outgoing connections: the QUIC handshake to a peer's addresses (all candidates at once, the first
 * to answer wins), the pinned key check, then HELLO / HELLO_ACK on the stream. A dial that runs out
 * of {@code P2P_CONNECT_TIMEOUT_MS} fails with {@link P2PTimeoutException}; one the peer refuses,
 * with {@link ConnectionFailedException}.
 */
final class QuicDialer {
  private final QuicP2PProvider provider;
  private final QuicSettings settings;
  private final EventLoop loop;
  private final ClientConnectionIds clientIds;
  private final PathLayerHandler pathLayer;

  QuicDialer(
      QuicP2PProvider provider,
      QuicSettings settings,
      EventLoop loop,
      ClientConnectionIds clientIds,
      PathLayerHandler pathLayer) {
    this.provider = provider;
    this.settings = settings;
    this.loop = loop;
    this.clientIds = clientIds;
    this.pathLayer = pathLayer;
  }

  /**
   * Dials {@code peer} at its direct addresses and through {@code relays} over the socket {@code
   * ch}: every route gets the first flight, the first to answer carries the connection.
   */
  CompletableFuture<P2PConnection> dial(Channel ch, PeerAddress peer, List<URI> relays) {
    List<InetSocketAddress> usable = usableAddresses(peer.directAddresses(), ch);
    if (usable.isEmpty() && relays.isEmpty()) {
      return CompletableFuture.failedFuture(
          new ConnectionFailedException(
              "none of "
                  + peer.directAddresses()
                  + " can be reached from this provider's socket "
                  + ch.localAddress()
                  + " (address family or unresolved host)"));
    }
    CompletableFuture<P2PConnection> result = new CompletableFuture<>();
    DialAttempt attempt = new DialAttempt(peer.peerId(), usable, relays);
    Timeouts.failAfter(
        result,
        settings.connectTimeout(),
        loop,
        () ->
            new P2PTimeoutException(
                "no answer from "
                    + attempt.describeAddresses()
                    + " within "
                    + settings.connectTimeout().toMillis()
                    + " ms; is the peer running and listening? ("
                    + TransportSettings.CONNECT_TIMEOUT_MS
                    + " sets the limit)"));
    loop.execute(
        () -> {
          if (relays.isEmpty()) {
            // Only direct routes: a closed port fails the dial at once.
            PortProbe probe =
                PortProbe.start(
                    loop,
                    usable,
                    why -> result.completeExceptionally(new ConnectionFailedException(why)));
            result.whenComplete((c, e) -> loop.execute(probe::stop));
          }
          start(ch, attempt, usable, relays, result);
        });
    return result;
  }

  private static List<InetSocketAddress> usableAddresses(
      List<InetSocketAddress> addresses, Channel ch) {
    InetAddress local = ((InetSocketAddress) ch.localAddress()).getAddress();
    List<InetSocketAddress> result = new ArrayList<>();
    for (InetSocketAddress a : addresses) {
      if (a.isUnresolved()) {
        a = new InetSocketAddress(a.getHostString(), a.getPort());
        if (a.isUnresolved()) {
          continue;
        }
      }
      if (a.getAddress() instanceof Inet6Address && local instanceof Inet4Address) {
        continue;
      }
      if (a.getAddress().isAnyLocalAddress()) {
        // A wildcard in a ticket means "this host": dial it over loopback.
        a = new InetSocketAddress(InetAddress.getLoopbackAddress(), a.getPort());
      }
      result.add(a);
    }
    return result;
  }

  private void start(
      Channel ch,
      DialAttempt attempt,
      List<InetSocketAddress> addresses,
      List<URI> relays,
      CompletableFuture<P2PConnection> result) {
    if (result.isDone()) {
      return;
    }
    PeerId peer = attempt.expected();
    PeerPath path = pathLayer.pathForDial(peer, addresses, relays);
    PeerPath.Observer unreachable =
        new PeerPath.Observer() {
          @Override
          public void pathChanged(PeerPath p, Route from, Route to, String why, boolean failover) {}

          @Override
          public void unreachable(PeerPath p, String why) {
            result.completeExceptionally(new PeerNotFoundException(why));
          }
        };
    path.addObserver(unreachable);
    result.whenComplete((c, e) -> path.removeObserver(unreachable));
    byte[] scid = clientIds.register(path);
    QuicConnectionHandler handler = new QuicConnectionHandler(provider, true);
    path.users.incrementAndGet();
    io.netty.util.concurrent.Future<QuicChannel> f =
        QuicChannel.newBootstrap(ch)
            .attr(QuicEndpoint.DIAL, attempt)
            .option(
                QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR,
                settings
                    .udpTransport()
                    .segmentedAllocator(
                        settings.udpPayloadFor((InetSocketAddress) ch.localAddress()),
                        settings.gsoSegments()))
            .handler(handler)
            .streamHandler(
                new ChannelInitializer<QuicStreamChannel>() {
                  @Override
                  protected void initChannel(QuicStreamChannel s) {
                    QuicPeerChannel c = s.parent().attr(QuicConnectionHandler.CONNECTION).get();
                    if (c != null && TraversalStream.isTraversal(s)) {
                      c.acceptTraversalStream(s);
                    } else {
                      s.close(); // the listener opens no other streams
                    }
                  }
                })
            .localConnectionAddress(new QuicConnectionAddress(scid))
            .remoteAddress(path.virtualAddress)
            .connect();
    result.whenComplete(
        (c, e) -> {
          if (e != null) {
            // Timed out or failed: whatever the handshake reached is torn down.
            io.netty.channel.Channel quic = handler.channel();
            if (quic != null) {
              quic.close();
            }
          }
        });
    f.addListener(
        done -> {
          path.users.decrementAndGet();
          if (!done.isSuccess()) {
            clientIds.unregister(scid);
            String auth = attempt.authenticationFailure();
            result.completeExceptionally(
                auth != null
                    ? new AuthenticationFailedException(auth)
                    : new ConnectionFailedException(
                        "QUIC handshake with "
                            + attempt.describeAddresses()
                            + " failed: "
                            + done.cause(),
                        done.cause()));
            return;
          }
          QuicChannel quic = (QuicChannel) done.getNow();
          quic.closeFuture().addListener(x -> clientIds.unregister(scid));
          if (result.isDone() || provider.isClosed()) {
            quic.close();
            return;
          }
          QuicPeerChannel c = new QuicPeerChannel(provider, quic, peer, path, true);
          c.onDatagramLimit(handler.datagramLimit());
          quic.attr(QuicConnectionHandler.CONNECTION).set(c);
          provider.register(c);
          CompletableFuture<P2PConnection> established = new CompletableFuture<>();
          established.whenComplete(
              (ok, err) -> {
                if (err == null) {
                  if (!result.complete(ok)) {
                    ok.close();
                  }
                } else if (handler.peerRejectedUs()) {
                  result.completeExceptionally(
                      new AuthenticationFailedException(
                          "the peer rejected our certificate (" + handler.closeReason() + ")"));
                } else {
                  result.completeExceptionally(err);
                }
              });
          c.startDialler(established);
        });
  }
}
