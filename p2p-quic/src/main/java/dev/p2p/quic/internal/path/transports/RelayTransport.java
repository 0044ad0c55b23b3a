package dev.p2p.quic.internal.path.transports;

import dev.p2p.api.PeerId;
import dev.p2p.quic.internal.path.PathTransport;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.path.Route;
import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayClient;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * Relays as a path transport (iroh's {@code transports/relay}): QUIC packets to a peer travel as
 * relay packets addressed by its {@link PeerId}, over the provider's logins ({@link RelaySession})
 * at every configured relay, plus any relay a dialled ticket names (logged in to on demand).
 *
 * <p><b>Rendezvous.</b> The provider logs in to <em>every</em> configured relay, not only its home
 * relay, and a dial by {@code PeerId} alone sends its first flight through all of them: whichever
 * relay has the peer delivers it, and the first answer picks the path (as with direct candidates).
 * No directory is needed to find which relay a peer uses, two peers sharing any one relay find each
 * other in one round trip, and when a relay dies the other logins already exist, so a relayed
 * connection moves on at once instead of waiting for a new login and a republished address (iroh's
 * users wait ~30 s there). The cost is one idle login per relay (~3 KB on the relay) and N copies
 * of the first flight. The home relay (lowest measured latency) is what the provider publishes in
 * its {@code PeerAddress}, so peers with other relay lists can still find it.
 *
 * <p>Packets the relays deliver go to the {@link Receiver} (the path layer), which hands them to
 * QUIC under the peer's virtual address. The relay is untrusted: it only ever sees QUIC ciphertext,
 * and the source id it claims binds nothing until the QUIC handshake proves it. Event-loop
 * confined, except the read-only queries.
 */
public final class RelayTransport implements PathTransport, RelaySession.Events {
  /** Where relayed traffic goes. Loop. */
  public interface Receiver {
    /** A packet from {@code source} (as the relay claims); takes ownership of {@code payload}. */
    void relayedPacket(URI relay, PeerId source, ByteBuf payload);

    void relayedReadComplete();

    /** The relay says {@code peer} is not logged in there. */
    void relayLacksPeer(URI relay, PeerId peer);

    /** A login ended: paths on it must move. */
    void relayDown(URI relay);
  }

  private static final int MAX_CACHED_IDS = 4096;

  private final EventLoop loop;
  private final Function<URI, RelayClient.Options> options;
  private final List<URI> configured;
  private final Map<URI, RelaySession> sessions = new ConcurrentHashMap<>();
  private final List<URI> order = new CopyOnWriteArrayList<>();
  private final Set<URI> triedOnce = ConcurrentHashMap.newKeySet();
  private final CompletableFuture<Void> firstLogins = new CompletableFuture<>();
  private final Map<PeerKey, PeerId> ids = new HashMap<>();
  private volatile Receiver receiver;
  private volatile boolean closed;
  private long dropped;

  /**
   * @param options the login options for a relay (identity, token, event loop, channel type)
   */
  public RelayTransport(
      EventLoop loop, List<URI> configured, Function<URI, RelayClient.Options> options) {
    this.loop = loop;
    this.configured = List.copyOf(configured);
    this.options = options;
    if (configured.isEmpty()) {
      firstLogins.complete(null);
    }
  }

  public void receiver(Receiver r) {
    receiver = r;
  }

  /** Logs in to every configured relay (once; later calls do nothing). */
  public void start() {
    for (URI u : configured) {
      ensure(u);
    }
  }

  /**
   * Logs in to {@code relay} unless a login exists (a ticket's relay we were not configured with).
   */
  public void ensure(URI relay) {
    if (closed) {
      return;
    }
    sessions.computeIfAbsent(
        relay,
        u -> {
          RelaySession s = new RelaySession(u, options.apply(u), loop, this);
          order.add(u);
          s.start();
          return s;
        });
  }

  /**
   * Completes when a configured relay has welcomed us, or each has failed once (so a provider whose
   * relays are all down still starts).
   */
  public CompletableFuture<Void> firstLogins() {
    return firstLogins;
  }

  /** Completes once every configured relay's first login succeeded or failed. */
  public CompletableFuture<Void> allFirstAttempts() {
    return CompletableFuture.allOf(
        configured.stream().map(this::firstAttempt).toArray(CompletableFuture[]::new));
  }

  /** Completes once the first login to {@code relay} succeeded or failed. */
  public CompletableFuture<Void> firstAttempt(URI relay) {
    RelaySession s = sessions.get(relay);
    return s == null ? CompletableFuture.completedFuture(null) : s.firstAttempt;
  }

  /**
   * Whether a relay's first login is still under way: its welcome, which names its STUN port, may
   * yet come (traversal offers wait for it, bounded).
   */
  public boolean loginsPending() {
    for (RelaySession s : sessions.values()) {
      if (!s.firstAttempt.isDone()) {
        return true;
      }
    }
    return false;
  }

  public boolean isUp(URI relay) {
    RelaySession s = sessions.get(relay);
    return s != null && s.isUp();
  }

  /** The relays we are logged in to, configured ones first. */
  public List<URI> loggedIn() {
    List<URI> up = new ArrayList<>();
    for (URI u : order) {
      if (isUp(u)) {
        up.add(u);
      }
    }
    return up;
  }

  /** The STUN servers of the relays we are logged in to (from their welcomes). */
  public List<InetSocketAddress> stunServers() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (URI u : order) {
      RelaySession s = sessions.get(u);
      InetSocketAddress a = s == null ? null : s.stunServer();
      if (a != null && !out.contains(a)) {
        out.add(a);
      }
    }
    return out;
  }

  /** The home relay: the logged-in one with the lowest measured latency; null if none is up. */
  public URI home() {
    URI best = null;
    long bestRtt = Long.MAX_VALUE;
    for (URI u : order) {
      RelaySession s = sessions.get(u);
      if (s != null && s.isUp() && (best == null || s.rttNanos() < bestRtt)) {
        best = u;
        bestRtt = s.rttNanos();
      }
    }
    return best;
  }

  /** Packets dropped: no login, socket not writable, too large for the relay. */
  public long dropped() {
    long n = dropped;
    for (RelaySession s : sessions.values()) {
      n += s.dropped();
    }
    return n;
  }

  @Override
  public void send(
      ChannelHandlerContext ctx,
      DatagramPacket packet,
      Route route,
      PeerPath path,
      ChannelPromise promise) {
    ByteBuf content = packet.content();
    try {
      RelaySession s = sessions.get(((Route.Relayed) route).relay());
      PeerId to = path.relayDestination();
      if (s == null || to == null) {
        dropped++;
        return;
      }
      PeerKey key = PeerKey.of(to);
      if (packet instanceof SegmentedDatagramPacket g) {
        // A GSO send holds several QUIC packets of one size: they cross the relay as one batch
        // where it takes batches (a fortieth of the frames, at the interfaces' 1,472 bytes).
        s.sendSegments(key, content.retain(), g.segmentSize());
      } else {
        s.send(key, content.retain());
      }
    } finally {
      content.release();
      promise.trySuccess();
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    for (RelaySession s : sessions.values()) {
      s.flush();
    }
  }

  public void close() {
    closed = true;
    loop.execute(
        () -> {
          for (RelaySession s : sessions.values()) {
            s.close();
          }
        });
    firstLogins.complete(null);
  }

  // ---- RelaySession.Events ----

  @Override
  public void packet(RelaySession session, PeerKey source, ByteBuf payload) {
    Receiver r = receiver;
    if (r != null && !closed) {
      // A slice starting at index 0: the QUIC header parser ignores the reader index.
      r.relayedPacket(session.url, id(source), payload.retainedSlice());
    }
  }

  @Override
  public void readComplete() {
    Receiver r = receiver;
    if (r != null) {
      r.relayedReadComplete();
    }
  }

  @Override
  public void peerGone(RelaySession session, PeerKey peer) {
    Receiver r = receiver;
    if (r != null) {
      r.relayLacksPeer(session.url, id(peer));
    }
  }

  @Override
  public void up(RelaySession session) {
    firstLogins.complete(null);
  }

  @Override
  public void down(RelaySession session, boolean wasUp, String why) {
    if (!wasUp && configured.contains(session.url)) {
      triedOnce.add(session.url);
      if (triedOnce.containsAll(configured)) {
        firstLogins.complete(null);
      }
    }
    Receiver r = receiver;
    if (wasUp && r != null) {
      r.relayDown(session.url);
    }
  }

  private PeerId id(PeerKey key) {
    PeerId id = ids.get(key);
    if (id == null) {
      if (ids.size() >= MAX_CACHED_IDS) {
        ids.clear();
      }
      id = key.toPeerId();
      ids.put(key, id);
    }
    return id;
  }
}
