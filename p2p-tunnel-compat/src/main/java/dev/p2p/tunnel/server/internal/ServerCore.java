package dev.p2p.tunnel.server.internal;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.PeerId;
import dev.p2p.tunnel.internal.ErrorCode;
import dev.p2p.tunnel.internal.FailReason;
import dev.p2p.tunnel.internal.TunnelFrame;
import dev.p2p.tunnel.internal.TunnelProtocol;
import dev.p2p.tunnel.server.RelayConnection;
import dev.p2p.tunnel.server.RelayConnectionState;
import dev.p2p.tunnel.server.RelayManager;
import io.netty.channel.ChannelFuture;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state all sessions of one tunnel server share: who is registered, the relay book-keeping, the
 * ban list and connect requests waiting for an answer.
 *
 * <p>Control frames (connect, accept, fail, end, register, leave) are handled under one lock: they
 * are rare, and it keeps both ends of a connection consistent. Data frames take no lock.
 */
public final class ServerCore {
  private static final Logger log = LoggerFactory.getLogger(ServerCore.class);

  private final ServerSettings settings;
  private final RelayManager relay;
  private final SecureRandom random = new SecureRandom();
  private final Map<PeerId, ServerSession> sessions = new ConcurrentHashMap<>();
  private final Set<PeerId> banned = ConcurrentHashMap.newKeySet();
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final Map<Long, PeerId> endedBy = new ConcurrentHashMap<>();
  private final RateLimitedLog events;
  private boolean shuttingDown; // guarded by this

  private record Pending(ServerSession requester, int requestId) {}

  public ServerCore(ServerSettings settings, RelayManager relay, Collection<PeerId> banned) {
    this.settings = settings;
    this.relay = relay;
    this.banned.addAll(banned);
    this.events = RateLimitedLog.of(log, settings.ticker());
  }

  /** Rejections, timeouts and kicks, logged at INFO and rate-limited per reason. */
  public RateLimitedLog events() {
    return events;
  }

  public ServerSettings settings() {
    return settings;
  }

  public RelayManager relay() {
    return relay;
  }

  byte[] newNonce() {
    byte[] nonce = new byte[TunnelProtocol.NONCE_SIZE];
    random.nextBytes(nonce);
    return nonce;
  }

  ServerSession session(PeerId peer) {
    return sessions.get(peer);
  }

  public boolean isRegistered(PeerId peer) {
    ServerSession s = sessions.get(peer);
    return s != null && s.isRegistered();
  }

  public int registeredCount() {
    return sessions.size();
  }

  /**
   * Tells every session the server is shutting down and closes it; returns their close futures.
   * Connections are not ended toward the other peers: every client learns of the shutdown itself
   * and keeps its connections to resume them with the next server.
   */
  public List<ChannelFuture> shutdown(String message) {
    synchronized (this) {
      shuttingDown = true;
    }
    ErrorCode code = ErrorCode.SERVER_SHUTDOWN;
    List<ChannelFuture> closing = new ArrayList<>();
    for (ServerSession s : List.copyOf(sessions.values())) {
      closing.add(s.channel().closeFuture());
      s.kick(code, message);
    }
    return closing;
  }

  public long queuedBytesTo(PeerId peer) {
    ServerSession s = sessions.get(peer);
    return s == null ? 0 : s.queuedBytes();
  }

  public boolean isBanned(PeerId peer) {
    return banned.contains(peer);
  }

  public void ban(PeerId peer) {
    banned.add(peer);
    ServerSession s = sessions.get(peer);
    if (s != null) {
      s.kick(ErrorCode.BANNED, "peer " + peer + " was banned from this tunnel server");
    }
  }

  public void unban(PeerId peer) {
    banned.remove(peer);
  }

  /** Makes {@code session} the one for its peer, replacing (and closing) an older one. */
  synchronized boolean register(ServerSession session) {
    PeerId peer = session.peer();
    if (banned.contains(peer)) {
      session.kick(ErrorCode.BANNED, "peer " + peer + " is banned from this tunnel server");
      return false;
    }
    ServerSession old = sessions.put(peer, session);
    if (old != null && old != session) {
      log.info("peer {} registered again; closing its older session", peer.shortString());
      endAllConnections(old, "peer " + peer.shortString() + " reconnected to the tunnel server");
      old.kick(
          ErrorCode.REPLACED,
          "another client registered peer id " + peer + "; this session is replaced");
    }
    return true;
  }

  synchronized void sessionClosed(ServerSession session) {
    PeerId peer = session.peer();
    if (peer != null) {
      sessions.remove(peer, session);
      if (!shuttingDown) {
        endAllConnections(session, "peer " + peer.shortString() + " left the tunnel server");
      }
    }
  }

  private void endAllConnections(ServerSession session, String reason) {
    for (Long id : List.copyOf(session.connectionIds)) {
      endConnection(id, session, reason);
    }
  }

  private static void link(long id, ServerSession a, ServerSession b) {
    Route[] pair = Route.pair(a, b);
    a.routes.put(id, pair[0]);
    b.routes.put(id, pair[1]);
  }

  private static void unlink(long id, ServerSession a, Route toB) {
    a.routes.remove(id);
    if (toB != null) {
      toB.target.routes.remove(id);
    }
  }

  /** Closes a connection and tells the other end (if it is still there) why. */
  private void endConnection(long id, ServerSession from, String reason) {
    from.connectionIds.remove(id);
    Route routed = from.routes.remove(id);
    if (routed != null) {
      routed.target.routes.remove(id);
    }
    Optional<RelayConnection> rc = relay.getConnection(id);
    relay.closeConnection(id);
    endedBy.remove(id);
    Pending p = pending.remove(id);
    if (rc.isEmpty()) {
      return;
    }
    PeerId other = rc.get().otherEnd(from.peer());
    ServerSession otherSession = other == null ? null : sessions.get(other);
    if (otherSession == null || !otherSession.connectionIds.remove(id)) {
      return;
    }
    if (p != null && p.requester() == otherSession) {
      otherSession.send(
          new TunnelFrame.FailedConnect(
              p.requestId(), id, from.peer(), FailReason.DESTINATION_GONE, reason));
    } else {
      otherSession.sendEnd(id, reason);
    }
  }

  synchronized void onConnectRequest(ServerSession from, TunnelFrame.ConnectRequest request) {
    PeerId source = from.peer();
    PeerId destination = request.peer();
    ServerSession target = sessions.get(destination);
    if (destination.equals(source)) {
      fail(from, request, FailReason.REFUSED, "a peer cannot connect to itself through the tunnel");
      return;
    }
    if (target == null || !target.isRegistered() || target.appId() != from.appId()) {
      fail(
          from,
          request,
          FailReason.UNKNOWN_DESTINATION,
          "peer "
              + destination
              + " is not registered with this tunnel server (app "
              + from.appId()
              + ")");
      return;
    }
    if (from.flowControl() != target.flowControl()) {
      ServerSession older = from.flowControl() ? target : from;
      fail(
          from,
          request,
          FailReason.REFUSED,
          "peer "
              + older.peer().shortString()
              + " uses a tunnel client without flow control; both ends of a connection must"
              + " speak it: upgrade that client");
      return;
    }
    RelayConnection rc;
    try {
      rc = createOrGet(source, destination, from.appId(), request);
    } catch (ConnectionFailedException e) {
      fail(from, request, FailReason.LIMIT_REACHED, e.getMessage());
      return;
    }
    long id = rc.id();
    if (rc.state() == RelayConnectionState.CONNECTED) {
      from.connectionIds.add(id);
      link(id, from, target);
      from.send(new TunnelFrame.ConnectAccepted(request.requestId(), id, destination, 0));
    } else if (rc.initiator().equals(source)) {
      from.connectionIds.add(id);
      target.connectionIds.add(id);
      pending.put(id, new Pending(from, request.requestId()));
      target.send(
          new TunnelFrame.ConnectRequest(
              0,
              id,
              source,
              request.connectionType(),
              request.virtualPort(),
              request.channel(),
              request.nextMessageNumber(),
              request.resume()));
    } else {
      // Both peers asked for the same connection at once: it is open for both.
      Pending other = pending.remove(id);
      relay.updateState(id, RelayConnectionState.CONNECTED);
      from.connectionIds.add(id);
      link(id, from, target);
      from.send(new TunnelFrame.ConnectAccepted(request.requestId(), id, destination, 0));
      if (other != null) {
        other.requester().send(new TunnelFrame.ConnectAccepted(other.requestId(), id, source, 0));
      }
    }
  }

  private RelayConnection createOrGet(
      PeerId source, PeerId destination, long appId, TunnelFrame.ConnectRequest request) {
    RelayConnection rc = relayConnection(source, destination, appId, request);
    if (rc.state() == RelayConnectionState.DISCONNECTING) {
      // The old connection on this port is ending; the request is for a new one.
      ServerSession owner = sessions.get(source);
      if (owner != null) {
        endConnection(rc.id(), owner, "replaced by a new connection on the same port");
      } else {
        relay.closeConnection(rc.id());
      }
      rc = relayConnection(source, destination, appId, request);
    }
    return rc;
  }

  private RelayConnection relayConnection(
      PeerId source, PeerId destination, long appId, TunnelFrame.ConnectRequest request) {
    return relay.createOrGetConnection(
        source,
        destination,
        appId,
        request.connectionType(),
        request.virtualPort(),
        request.channel());
  }

  private void fail(
      ServerSession from, TunnelFrame.ConnectRequest request, FailReason reason, String message) {
    events.info(
        "connect-" + reason.name(),
        "refused a connect from "
            + from.describe()
            + " to "
            + request.peer().shortString()
            + ": "
            + message);
    from.send(
        new TunnelFrame.FailedConnect(request.requestId(), 0, request.peer(), reason, message));
  }

  synchronized void onConnectAccepted(ServerSession from, TunnelFrame.ConnectAccepted accepted) {
    long id = accepted.connectionId();
    Pending p = pending.get(id);
    Optional<RelayConnection> rc = relay.getConnection(id);
    if (p == null
        || rc.isEmpty()
        || !rc.get().target().equals(from.peer())
        || !from.connectionIds.contains(id)) {
      from.sendEnd(id, "no such connection request on the server");
      return;
    }
    pending.remove(id);
    relay.updateState(id, RelayConnectionState.CONNECTED);
    link(id, from, p.requester());
    p.requester()
        .send(
            new TunnelFrame.ConnectAccepted(
                p.requestId(), id, from.peer(), accepted.nextMessageNumber()));
  }

  synchronized void onFailedConnect(ServerSession from, TunnelFrame.FailedConnect failed) {
    long id = failed.connectionId();
    Pending p = pending.remove(id);
    Optional<RelayConnection> rc = relay.getConnection(id);
    if (p == null || rc.isEmpty() || !rc.get().target().equals(from.peer())) {
      return;
    }
    relay.closeConnection(id);
    from.connectionIds.remove(id);
    p.requester().connectionIds.remove(id);
    p.requester()
        .send(
            new TunnelFrame.FailedConnect(
                p.requestId(), id, from.peer(), failed.reason(), failed.message()));
  }

  synchronized void onConnectionEnd(ServerSession from, TunnelFrame.ConnectionEnd end) {
    long id = end.connectionId();
    if (!from.connectionIds.contains(id)) {
      return; // already gone: both ends know
    }
    Route toOther = from.routes.get(id);
    if (toOther != null && toOther.flowControlled) {
      // Graceful close with acknowledgement: the END goes behind the data (same channel, same
      // order), the route stays up for the other end's data and END, and the connection is gone
      // once both ENDs are acknowledged.
      if (!toOther.endSent) {
        toOther.endSent = true;
        relay.updateState(id, RelayConnectionState.DISCONNECTING);
        toOther.target.send(end);
      }
      return;
    }
    RelayConnectionState state = relay.getState(id);
    PeerId first = endedBy.get(id);
    if (state == RelayConnectionState.CONNECTED) {
      relay.updateState(id, RelayConnectionState.DISCONNECTING);
      endedBy.put(id, from.peer());
      from.connectionIds.remove(id);
      unlink(id, from, toOther);
      PeerId other = relay.getDestinationPeer(id, from.peer()).orElse(null);
      ServerSession otherSession = other == null ? null : sessions.get(other);
      if (otherSession != null && otherSession.connectionIds.contains(id)) {
        otherSession.send(new TunnelFrame.ConnectionEnd(id, end.reason()));
      } else {
        relay.closeConnection(id);
        endedBy.remove(id);
      }
    } else if (state == RelayConnectionState.DISCONNECTING && !from.peer().equals(first)) {
      // The other end confirms: both are done.
      from.connectionIds.remove(id);
      relay.closeConnection(id);
      endedBy.remove(id);
    } else {
      endConnection(id, from, end.reason());
    }
  }

  /** The other end has read up to this session's peer's END. */
  synchronized void onEndAck(ServerSession from, long id) {
    Route toOther = from.routes.get(id);
    if (toOther == null || !toOther.flowControlled || !toOther.reverse.endSent || toOther.ackSent) {
      return; // not for an END that passed here: nothing to acknowledge
    }
    toOther.ackSent = true;
    toOther.target.send(new TunnelFrame.EndAck(id));
    if (toOther.reverse.ackSent) {
      from.connectionIds.remove(id);
      toOther.target.connectionIds.remove(id);
      unlink(id, from, toOther);
      relay.closeConnection(id);
      endedBy.remove(id);
    }
  }

  /** A client reset a connection: gone at once, and the other end is told. */
  synchronized void onReset(ServerSession from, long id, String reason) {
    if (from.connectionIds.contains(id)) {
      endConnection(id, from, reason);
    }
  }

  /** Removes stale relay connections and tells their ends. */
  public synchronized void cleanupStale() {
    events.flush();
    for (RelayConnection rc : relay.cleanupStaleConnections()) {
      endedBy.remove(rc.id());
      Pending p = pending.remove(rc.id());
      String reason = "the connection was idle for too long and the tunnel server closed it";
      for (PeerId end : List.of(rc.initiator(), rc.target())) {
        ServerSession s = sessions.get(end);
        if (s != null) {
          s.routes.remove(rc.id());
        }
        if (s != null && s.connectionIds.remove(rc.id())) {
          if (p != null && p.requester() == s) {
            s.send(
                new TunnelFrame.FailedConnect(
                    p.requestId(), rc.id(), rc.target(), FailReason.DESTINATION_GONE, reason));
          } else {
            s.sendEnd(rc.id(), reason);
          }
        }
      }
    }
  }
}
