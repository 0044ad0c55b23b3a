package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PException;
import dev.p2p.api.P2PTimeoutException;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PathType;
import dev.p2p.core.ConnectionListeners;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state machine of a connection end: the handshake, the move from relay to direct path, the
 * close in its forms (graceful, timed out, aborted, reset) and the listener events on the way. Part
 * of the one object per connection end (see {@link ReliableStream}); {@link SimConnection} extends
 * it with the packets and the application's sending side.
 */
abstract class SimLifecycle extends AppInbox implements P2PConnection {
  private static final Logger log = LoggerFactory.getLogger(SimLifecycle.class);

  /** A relayed path crosses the simulated relay, which has no address of its own. */
  static final URI RELAY = URI.create("sim://relay");

  private static final Path DIRECT_PATH = Path.direct();
  private static final Path RELAYED_PATH = Path.relayed(RELAY);

  final boolean dialer;
  final CompletableFuture<P2PConnection> connected = new CompletableFuture<>();

  private ConnectionListeners listeners;
  private CompletableFuture<Void> closeFuture;

  /** Set when CLOSED: null for a clean close (everything acknowledged), else why not. */
  private ConnectionClosedException closeFailure;

  private long synSentAt;
  int synAttempts;
  // Taken back once answered: a churn of connections would otherwise leave a no-op event each.
  private Event synRetry;
  // Taken back when the connection ends first: a missed birthday attempt puts it seconds away.
  private Event punch;

  SimLifecycle(
      SimCore core,
      long receiveCapacity,
      PeerSlot local,
      PeerSlot remote,
      long id,
      boolean dialer,
      PathType path) {
    super(core, receiveCapacity, core.topology.nominalRtt(local, remote, path), local, remote, id);
    this.dialer = dialer;
    this.path = path;
  }

  /** The end reached CLOSED; its peer forgets it. */
  abstract void closed();

  // ---- handshake -------------------------------------------------------------------------------

  void startConnect() {
    if (core.random.chance(core.settings.failureRate())) {
      core.schedule(
          core.topology.nominalRtt(local, remote, path),
          () ->
              fail(
                  new ConnectionFailedException(
                      "simulated connection failure to "
                          + remote.name
                          + " (SIMULATOR_P2P_FAILURE_RATE="
                          + core.settings.failureRate()
                          + ")")));
      return;
    }
    long deadline = core.now() + core.settings.connectTimeout().toNanos();
    sendSyn(deadline);
  }

  private void sendSyn(long deadline) {
    if (state != ConnectionState.CONNECTING) {
      return;
    }
    if (core.now() >= deadline) {
      fail(
          new P2PTimeoutException(
              "no answer from peer '"
                  + remote.name
                  + "' within "
                  + core.settings.connectTimeout().toMillis()
                  + " ms (P2P_CONNECT_TIMEOUT_MS): it is down or unreachable"));
      return;
    }
    synAttempts++;
    synSentAt = core.now();
    emit(packet(Packet.SYN));
    long backoff = rto() << Math.min(synAttempts - 1, 16);
    synRetry = core.schedule(Math.min(backoff, deadline - core.now()), () -> sendSyn(deadline));
  }

  void acceptHandshake() {
    // The event names the peer already; building its id into the reason cost a string per accept.
    setState(ConnectionState.AUTHENTICATING, "handshake received");
    setState(ConnectionState.CONNECTED, "handshake complete");
    emit(packet(Packet.SYN_ACK));
    schedulePunch();
  }

  final void onSynAck(Packet synAck) {
    if (state != ConnectionState.CONNECTING) {
      return;
    }
    if (synAttempts == 1) {
      sampleRtt(core.now() - synSentAt);
    }
    cancelSynRetry();
    setState(ConnectionState.AUTHENTICATING, "peer answered");
    setState(ConnectionState.CONNECTED, "peer key verified");
    Packet confirm = packet(Packet.CONFIRM);
    confirm.echo = synAck.sentAt;
    emit(confirm);
    schedulePunch();
    connected.complete(this);
  }

  private void cancelSynRetry() {
    if (synRetry != null) {
      core.cancel(synRetry);
      synRetry = null;
    }
  }

  /**
   * Peers behind NATs start on the relay and move to the direct path if a hole punch can work: one
   * relayed round trip (the candidate offers) for a plain punch, plus the spray until a hit, after
   * any missed attempts and their back-off, for birthday probing.
   */
  private void schedulePunch() {
    if (path != PathType.RELAYED || !core.topology.canPunch(local, remote)) {
      return;
    }
    long offers = core.topology.nominalRtt(local, remote, PathType.RELAYED);
    if (!core.topology.needsBirthday(local, remote)) {
      punch = core.schedule(offers, () -> moveDirect("hole punch succeeded"));
      return;
    }
    BirthdayProbing.Hit hit = core.topology.birthdayHit(local, remote, id);
    if (hit != null) {
      punch = core.schedule(offers + hit.afterNanos(), () -> moveDirect(hit.reason()));
    }
  }

  private void moveDirect(String reason) {
    punch = null;
    if (state == ConnectionState.CONNECTED && path == PathType.RELAYED) {
      setPath(PathType.DIRECT, reason);
    }
  }

  private void fail(P2PException e) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    closedCause = new SimClosedException("connection failed: " + e.getMessage(), e);
    finish(e.getMessage(), closedCause);
    connected.completeExceptionally(e);
  }

  // ---- the application's view of the lifecycle -------------------------------------------

  @Override
  public CompletableFuture<Void> closeFuture() {
    core.enter();
    try {
      if (closeFuture == null) {
        closeFuture = new CompletableFuture<>();
        if (state == ConnectionState.CLOSED) {
          completeCloseFuture();
        }
      }
      return closeFuture;
    } finally {
      core.exit();
    }
  }

  private void completeCloseFuture() {
    if (closeFailure == null) {
      closeFuture.complete(null);
    } else {
      closeFuture.completeExceptionally(closeFailure);
    }
  }

  @Override
  public Path path() {
    core.enter();
    try {
      return pathOf(path);
    } finally {
      core.exit();
    }
  }

  @Override
  public ConnectionState state() {
    core.enter();
    try {
      return state;
    } finally {
      core.exit();
    }
  }

  @Override
  public void addListener(ConnectionListener listener) {
    Objects.requireNonNull(listener, "listener");
    core.enter();
    try {
      if (listeners == null) {
        listeners =
            new ConnectionListeners(
                (event, e) -> log.warn("connection listener failed on {}", event, e));
      }
      listeners.add(listener);
    } finally {
      core.exit();
    }
  }

  @Override
  public void close() {
    core.enter();
    try {
      closeLocked("closed by the application");
    } finally {
      core.exit();
    }
  }

  // ---- close -----------------------------------------------------------------------------------

  /** Graceful close: what was sent is still delivered, then a FIN; the peer sees the close. */
  void closeLocked(String reason) {
    if (closeRequested || state == ConnectionState.CLOSED) {
      return;
    }
    closeRequested = true;
    if (state == ConnectionState.CONNECTING) {
      fail(new ConnectionFailedException("the connection attempt was cancelled: " + reason));
      return;
    }
    closedCause = new SimClosedException("the connection was closed locally (" + reason + ")");
    failWaiting();
    setState(ConnectionState.DISCONNECTING, reason);
    sendFin(core.now() + core.settings.idleTimeout().toNanos());
    wakeSubscriber();
  }

  @Override
  void closeTimedOut() {
    String why = "the peer did not acknowledge the close within the idle timeout";
    finish(why, unacknowledged(why));
  }

  @Override
  void finAcknowledged() {
    finish("closed", null);
  }

  @Override
  void remoteFinished() {
    if (closeRequested) {
      return; // both closed at once; our own FIN's acknowledgement finishes the close
    }
    String why = "peer " + remote.id.shortString() + " closed the connection";
    closedCause = new SimClosedException(why);
    peerClosedGracefully = true;
    failWaiting();
    setState(ConnectionState.DISCONNECTING, "peer closed the connection");
    // Clean only if the peer had acknowledged all we sent before it closed.
    finish(
        "peer closed the connection", unacknowledgedMessages() == 0 ? null : unacknowledged(why));
  }

  /** Ends at once without telling the peer (crash, reset, idle timeout). */
  void abort(ConnectionClosedException why) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    if (closedCause == null) {
      closedCause = why;
    }
    if (state == ConnectionState.CONNECTING) {
      connected.completeExceptionally(new ConnectionFailedException(why.getMessage(), why));
    }
    finish(why.getMessage(), unacknowledged(why.getMessage()));
  }

  /** Ends at once and tells the peer: a closing provider's linger ran out. */
  void reset(String why) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    Packet r = packet(Packet.RESET);
    r.reason = why;
    emit(r);
    abort(new SimClosedException("connection reset: " + why));
  }

  final void onReset(Packet reset) {
    if (closeRequested && reset.fin) {
      // The peer had our FIN, so everything before it, and forgot the connection; only the
      // acknowledgement was lost.
      finish("closed", null);
    } else {
      abort(new SimClosedException("connection reset by peer: " + reset.reason));
    }
  }

  /** True once the application closed this end or it ended: nothing more may be sent. */
  final boolean closing() {
    return closeRequested || state == ConnectionState.CLOSED;
  }

  @Override
  final boolean open() {
    return state != ConnectionState.CLOSED;
  }

  /** The close failure: why, and what the peer never acknowledged. */
  private ConnectionClosedException unacknowledged(String why) {
    long messages = unacknowledgedMessages();
    String lost =
        messages == 0
            ? "; everything sent was acknowledged"
            : "; "
                + messages
                + (messages == 1 ? " message (" : " messages (")
                + unacknowledgedBytes()
                + " bytes) sent were not acknowledged by the peer";
    long queued = queuedMessages();
    if (queued > 0) {
      lost += ", and " + queued + " waiting for its window were never sent (their sends fail)";
    }
    return new SimClosedException(why + lost, closedCause);
  }

  private void finish(String reason, ConnectionClosedException failure) {
    if (state == ConnectionState.CLOSED) {
      return;
    }
    if (closedCause == null) {
      closedCause = new SimClosedException("the connection is closed: " + reason);
    }
    closeFailure = failure;
    failWaiting();
    failPending(closedCause);
    cancelSynRetry();
    if (punch != null) {
      core.cancel(punch);
      punch = null;
    }
    setState(ConnectionState.CLOSED, reason);
    closed();
    if (closeFuture != null) {
      completeCloseFuture();
    }
    wakeSubscriber();
  }

  // ---- state -------------------------------------------------------------------------------

  private void setState(ConnectionState next, String reason) {
    ConnectionState previous = state;
    if (previous == next || previous == ConnectionState.CLOSED) {
      return;
    }
    state = next;
    if (core.logging()) {
      core.log(local.name + " conn=" + id + " " + previous + " -> " + next + " (" + reason + ")");
    }
    if (listeners != null) {
      listeners.fire(new ConnectionStateEvent(remote.id, previous, next, reason));
    }
  }

  private void setPath(PathType next, String reason) {
    PathType previous = path;
    path = next;
    core.log(
        local.name + " conn=" + id + " path " + previous + " -> " + next + " (" + reason + ")");
    if (listeners != null) {
      listeners.fire(new PathChangeEvent(remote.id, pathOf(previous), pathOf(next), reason));
    }
  }

  static Path pathOf(PathType type) {
    return type == PathType.DIRECT ? DIRECT_PATH : RELAYED_PATH;
  }
}
