package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import dev.p2p.core.TransportSettings;
import dev.p2p.tunnel.server.ConnectionType;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The connect handshakes of one provider: outgoing requests and their deadlines, incoming requests
 * for the listener, and resuming connections after the server came back. Event loop only.
 */
final class Connector {
  private static final Duration RESUME_RETRY = Duration.ofMillis(200);

  private static final class Pending {
    final int requestId;
    final TunnelConnection connection;
    final CompletableFuture<P2PConnection> future; // null when resuming
    ScheduledFuture<?> timer;

    Pending(int requestId, TunnelConnection connection, CompletableFuture<P2PConnection> future) {
      this.requestId = requestId;
      this.connection = connection;
      this.future = future;
    }

    boolean resume() {
      return future == null;
    }
  }

  private final PeerId self;
  private final TunnelSession session;
  private final ConnectionTable table;
  private final TunnelClientSettings settings;
  private final Supplier<TunnelListener> listener;
  private final Map<Integer, Pending> pending = new HashMap<>();
  private int nextRequestId = 1;
  private int nextPort = 1;

  /**
   * @param listener the open listener, or null: who gets incoming connections
   */
  Connector(
      PeerId self,
      TunnelSession session,
      ConnectionTable table,
      TunnelClientSettings settings,
      Supplier<TunnelListener> listener) {
    this.self = self;
    this.session = session;
    this.table = table;
    this.settings = settings;
    this.listener = listener;
  }

  CompletableFuture<P2PConnection> open(PeerId peer) {
    TunnelConnection connection =
        new TunnelConnection(session, peer, true, allocatePort(peer), session.path());
    CompletableFuture<P2PConnection> future = new CompletableFuture<>();
    Pending p = new Pending(nextRequestId++, connection, future);
    p.timer =
        session.schedule(
            () -> {
              if (pending.remove(p.requestId, p)) {
                future.completeExceptionally(
                    new P2PTimeoutException(
                        "peer "
                            + peer.shortString()
                            + " did not answer within "
                            + settings.connectTimeout().toMillis()
                            + " ms ("
                            + TransportSettings.CONNECT_TIMEOUT_MS
                            + ")"));
              }
            },
            settings.connectTimeout());
    pending.put(p.requestId, p);
    sendRequest(p, false);
    return future;
  }

  private void sendRequest(Pending p, boolean resume) {
    TunnelConnection c = p.connection;
    session.send(
        new TunnelFrame.ConnectRequest(
            p.requestId,
            0,
            c.peerId(),
            ConnectionType.NETWORKING_SOCKETS,
            c.virtualPort(),
            TunnelConnection.CHANNEL_RELIABLE,
            resume ? c.nextSendNumber() : 0,
            resume));
  }

  /**
   * Virtual ports are unique per provider; the peer with the smaller id uses even ports and the
   * other odd ones, so two peers dialling each other never pick the same port.
   */
  private int allocatePort(PeerId peer) {
    int n = nextPort++ & 0x3FFF_FFFF;
    return (n << 1) | (self.compareTo(peer) < 0 ? 0 : 1);
  }

  void onRequest(TunnelFrame.ConnectRequest r, boolean closed) {
    if (r.resume()) {
      onResumeRequest(r);
      return;
    }
    TunnelListener l = listener.get();
    if (l == null || closed) {
      refuse(r, "peer " + self + " is not listening");
      return;
    }
    TunnelConnection c =
        new TunnelConnection(session, r.peer(), false, r.virtualPort(), session.path());
    c.opened(r.connectionId());
    table.add(r.connectionId(), c);
    // Accept before handing it out: the application may send at once.
    session.send(new TunnelFrame.ConnectAccepted(0, r.connectionId(), r.peer(), 0));
    if (!l.offer(c)) {
      c.fail("refused: the listener's backlog of " + TunnelListener.BACKLOG + " is full");
    }
  }

  private void refuse(TunnelFrame.ConnectRequest r, String why) {
    session.send(
        new TunnelFrame.FailedConnect(0, r.connectionId(), r.peer(), FailReason.REFUSED, why));
  }

  private void onResumeRequest(TunnelFrame.ConnectRequest r) {
    TunnelConnection c = table.byPort(r.peer(), r.virtualPort());
    String refusal = null;
    if (c == null || c.isInitiator() || c.state() != ConnectionState.RECONNECTING) {
      refusal = "the connection no longer exists on peer " + self.shortString();
    } else if (r.nextMessageNumber() != c.nextReceiveNumber()) {
      refusal = lostMessages(r.nextMessageNumber() - c.nextReceiveNumber());
    }
    if (refusal != null) {
      refuse(r, refusal);
      if (c != null && !c.isInitiator() && c.state() == ConnectionState.RECONNECTING) {
        c.fail(refusal);
      }
      return;
    }
    table.rebind(r.connectionId(), c);
    session.send(
        new TunnelFrame.ConnectAccepted(0, r.connectionId(), r.peer(), c.nextSendNumber()));
    c.resumed(r.connectionId());
  }

  private static String lostMessages(long count) {
    return count
        + " message(s) sent before the tunnel server went away were lost; the connection is"
        + " closed so that no message is skipped silently";
  }

  void onAccepted(TunnelFrame.ConnectAccepted a, boolean closed) {
    Pending p = pending.remove(a.requestId());
    if (p == null) {
      session.send(new TunnelFrame.Reset(a.connectionId(), "the connect request timed out"));
      return;
    }
    p.timer.cancel(false);
    TunnelConnection c = p.connection;
    if (p.resume()) {
      if (c.state() != ConnectionState.RECONNECTING) {
        session.send(new TunnelFrame.Reset(a.connectionId(), "closed while resuming"));
        return;
      }
      table.rebind(a.connectionId(), c);
      c.resumed(a.connectionId());
      if (a.nextMessageNumber() != c.nextReceiveNumber()) {
        c.fail(lostMessages(a.nextMessageNumber() - c.nextReceiveNumber()));
      }
      return;
    }
    if (closed || p.future.isDone()) {
      session.send(new TunnelFrame.Reset(a.connectionId(), "the connect was abandoned"));
      return;
    }
    table.add(a.connectionId(), c);
    c.opened(a.connectionId());
    if (!p.future.complete(c)) {
      c.fail("the connect was abandoned"); // the caller gave up meanwhile
    }
  }

  void onFailed(TunnelFrame.FailedConnect f) {
    Pending p = pending.remove(f.requestId());
    if (p == null) {
      return;
    }
    p.timer.cancel(false);
    if (p.resume()) {
      TunnelConnection c = p.connection;
      if (c.state() != ConnectionState.RECONNECTING) {
        return;
      }
      if (f.reason() == FailReason.UNKNOWN_DESTINATION) {
        // The peer has not re-registered yet; its RECONNECTING deadline bounds the retries.
        session.schedule(() -> resume(c), RESUME_RETRY);
      } else {
        c.fail("could not resume: " + f.message());
      }
      return;
    }
    p.future.completeExceptionally(connectFailure(f));
  }

  private static P2PException connectFailure(TunnelFrame.FailedConnect f) {
    String peer = f.peer().shortString();
    return switch (f.reason()) {
      case UNKNOWN_DESTINATION ->
          new PeerNotFoundException(
              f.message()
                  + "; peer "
                  + peer
                  + " must call listen() with the same tunnel server and app id");
      case REFUSED -> new ConnectionFailedException("peer " + peer + " refused: " + f.message());
      case LIMIT_REACHED ->
          new ConnectionFailedException("the tunnel server refused: " + f.message());
      default -> new ConnectionFailedException("connecting to " + peer + " failed: " + f.message());
    };
  }

  /** After a reconnect: the initiators ask to resume their connections. */
  void resumeAll() {
    for (TunnelConnection c : table.snapshot()) {
      if (c.isInitiator() && c.state() == ConnectionState.RECONNECTING) {
        resume(c);
      }
    }
  }

  private void resume(TunnelConnection c) {
    if (c.state() != ConnectionState.RECONNECTING || !session.isRegistered()) {
      return;
    }
    Pending p = new Pending(nextRequestId++, c, null);
    p.timer =
        session.schedule(
            () -> {
              if (pending.remove(p.requestId, p)) {
                resume(c);
              }
            },
            settings.connectTimeout());
    pending.put(p.requestId, p);
    sendRequest(p, true);
  }

  /** The session was lost: new connects fail (resumes wait for the next session). */
  void sessionLost(String reason) {
    for (Pending p : List.copyOf(pending.values())) {
      if (!p.resume()) {
        pending.remove(p.requestId);
        p.timer.cancel(false);
        p.future.completeExceptionally(
            new NetworkException(
                reason
                    + " while connecting to "
                    + p.connection.peerId().shortString()
                    + "; retry"));
      }
    }
  }

  /** Fails every pending connect with {@code error}. */
  void failAll(P2PException error) {
    for (Pending p : List.copyOf(pending.values())) {
      pending.remove(p.requestId);
      p.timer.cancel(false);
      if (p.future != null) {
        p.future.completeExceptionally(error);
      }
    }
  }
}
