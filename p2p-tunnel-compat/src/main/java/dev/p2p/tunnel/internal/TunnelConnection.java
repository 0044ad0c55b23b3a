package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.core.ConnectionLifecycle;
import dev.p2p.core.Inbox;
import dev.p2p.core.TrafficCounters;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * A connection to one peer through the tunnel server.
 *
 * <p>Both {@link Delivery} modes travel the same ordered TCP path, so UNRELIABLE messages are in
 * fact delivered reliably and in order; they are only tagged with another channel number.
 *
 * <p>Flow control is per connection ({@link SendWindow}, {@link ReceiveWindow}): a receiver that
 * stops reading withholds its grants and only this connection's sender waits. Closing is a
 * handshake: each side's END travels behind its data and the other side answers END_ACK once it has
 * received everything up to it; the close future completes when both ENDs are acknowledged. A side
 * that closed reads nothing new, so data reaching it after its close is lost: it does not
 * acknowledge the peer's END but resets the connection once its own END is acknowledged, and the
 * peer's close future fails. The peer's graceful close never makes ours succeed.
 *
 * <p>The halves are a {@link MessageSender} and a {@link MessageReceiver}; this class holds the
 * state and the close handshake. Everything the server sends is handled on the provider's event
 * loop.
 */
final class TunnelConnection implements P2PConnection, Inbox.Transport {
  static final int CHANNEL_RELIABLE = 0;
  static final int CHANNEL_UNRELIABLE = 1;

  private final TunnelSession session;
  private final PeerId peer;
  private final boolean initiator;
  private final int virtualPort;
  private final int maxMessageSize;
  private final ConnectionLifecycle lifecycle;
  private final Inbox inbox;
  private final TrafficCounters counters = new TrafficCounters();
  private final MessageSender sender;
  private final MessageReceiver receiver;

  // Event loop only.
  private boolean peerEnded;
  private boolean endAcknowledged;
  private ScheduledFuture<?> reconnectDeadline;

  TunnelConnection(
      TunnelSession session, PeerId peer, boolean initiator, int virtualPort, Path path) {
    this.session = session;
    this.peer = peer;
    this.initiator = initiator;
    this.virtualPort = virtualPort;
    this.maxMessageSize = session.settings().maxMessageSize();
    this.lifecycle =
        new ConnectionLifecycle(peer, ConnectionState.CONNECTING, path, session::execute);
    this.inbox = new Inbox(session.settings().receiveBufferBytes(), this);
    this.sender = new MessageSender(session, this, counters, this::sendRefusal, this::serverDown);
    this.receiver = new MessageReceiver(session, sender, inbox, counters, maxMessageSize);
  }

  @Override
  public PeerId peerId() {
    return peer;
  }

  boolean isInitiator() {
    return initiator;
  }

  int virtualPort() {
    return virtualPort;
  }

  long connectionId() {
    return sender.connectionId();
  }

  long nextSendNumber() {
    return sender.nextNumber();
  }

  long nextReceiveNumber() {
    return receiver.nextNumber();
  }

  @Override
  public ConnectionState state() {
    return lifecycle.state();
  }

  @Override
  public Path path() {
    return lifecycle.path();
  }

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    if (message.length > maxMessageSize) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, maxMessageSize, "tunnel message"));
    }
    return sender.send(
        message, delivery == Delivery.RELIABLE ? CHANNEL_RELIABLE : CHANNEL_UNRELIABLE);
  }

  /** Why a send is refused now, or null: asked under the sender's lock. */
  private RuntimeException sendRefusal() {
    ConnectionState s = lifecycle.state();
    return s == ConnectionState.CONNECTED ? null : notSendable(s);
  }

  private RuntimeException notSendable(ConnectionState s) {
    if (s == ConnectionState.RECONNECTING) {
      return serverDown();
    }
    return lifecycle.closedError("send to " + peer.shortString());
  }

  private NetworkException serverDown() {
    return new NetworkException(
        "the tunnel server is unreachable and the client is reconnecting; the message to "
            + peer.shortString()
            + " was not sent: retry once the connection is CONNECTED again");
  }

  ConnectionClosedException closedError() {
    return lifecycle.closedError("receive from " + peer.shortString());
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    return inbox.recv();
  }

  @Override
  public Flow.Publisher<byte[]> messages() {
    return inbox;
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return lifecycle.closeFuture();
  }

  @Override
  public ConnectionStats stats() {
    return counters.stats(Duration.ofNanos(session.rttNanos()), 0.0, PathType.RELAYED);
  }

  @Override
  public void addListener(ConnectionListener listener) {
    lifecycle.addListener(listener);
  }

  /** Returns at once: sends fail from now on, the END frame follows the messages already sent. */
  @Override
  public void close() {
    beginClose("closed by the application");
  }

  // ---- Inbox.Transport: the application's reading pace ----

  @Override
  public void readabilityChanged() {
    session.execute(receiver::readabilityChanged);
  }

  @Override
  public void consumerCancelled() {
    close();
  }

  // ---- on the event loop, called by the provider ----

  OutboundQueue outbound() {
    return sender.queue();
  }

  void opened(long id) {
    sender.bind(id);
    lifecycle.transition(ConnectionState.CONNECTED, "connected through the tunnel server");
  }

  /** Handles one DATA frame; releases it. */
  void onData(DataFrame frame) {
    ConnectionState s = lifecycle.state();
    if (s != ConnectionState.CONNECTED && s != ConnectionState.DISCONNECTING) {
      frame.release();
      return;
    }
    // After our close the application reads nothing new: what arrives is lost, and the
    // connection resets once our own END is acknowledged (maybeClosed).
    boolean discard = lifecycle.isClosing() && !peerEnded;
    String violation = receiver.onData(frame, discard);
    if (violation != null) {
      fail(violation);
    } else if (discard) {
      maybeClosed();
    }
  }

  /** The receiver granted more: frames waiting for credit go out. */
  void onWindowUpdate(int increment, boolean acknowledges) {
    sender.granted(increment, acknowledges);
    maybeClosed();
  }

  /** Begins the close handshake from this side: sends fail, END goes behind the queued data. */
  void beginClose(String reason) {
    if (!lifecycle.transition(ConnectionState.DISCONNECTING, reason)) {
      return; // already closing or closed
    }
    // Unconditionally: a no-op if the peer's END already completed the inbox. Testing peerEnded
    // here (it belongs to the event loop) raced with onPeerEnd, which leaves the inbox to us once
    // we are closing: both skipped it, and recv() hung after a simultaneous close.
    inbox.fail(this::closedError);
    session.execute(this::queueEnd);
  }

  private void queueEnd() {
    if (lifecycle.state() == ConnectionState.CLOSED || sender.connectionId() == 0) {
      if (lifecycle.state() != ConnectionState.CLOSED) {
        reset("closed while the tunnel server was unreachable", false);
      }
      return;
    }
    if (!sender.queueEnd(peerEnded ? "closed after the peer" : "closed by the peer")) {
      return;
    }
    // Whatever this side received and did not read is released: the peer's END must get out.
    receiver.releaseAll();
  }

  /** The peer's END: everything it sent before it has arrived. */
  void onPeerEnd(String reason) {
    if (peerEnded || lifecycle.state() == ConnectionState.CLOSED) {
      return;
    }
    peerEnded = true;
    if (!receiver.discarded()) {
      session.send(new TunnelFrame.EndAck(sender.connectionId()));
    } // else maybeClosed resets: what we discarded was sent before this END
    if (!lifecycle.isClosing()) {
      // Messages already here can still be read; then recv fails and a subscriber completes.
      lifecycle.transition(ConnectionState.DISCONNECTING, reason);
      inbox.complete(this::closedError);
      queueEnd();
    }
    maybeClosed();
  }

  /** The peer read up to our END. */
  void onEndAck() {
    if (!sender.endAcknowledged()) {
      return; // not for an END we sent: ignore
    }
    endAcknowledged = true;
    maybeClosed();
  }

  /**
   * Our side is done once our END is acknowledged; the connection is gone once the peer's END was
   * acknowledged too. If we discarded data the peer sent, its END can never be acknowledged: we
   * reset once our own END is acknowledged or the peer's END is here (both sides may have
   * discarded, and neither would ever acknowledge the other), and the peer's close future fails.
   */
  private void maybeClosed() {
    if (lifecycle.state() == ConnectionState.CLOSED) {
      return;
    }
    if (receiver.discarded() && (endAcknowledged || peerEnded)) {
      String toPeer = receiver.discardedSummary();
      // With nothing of ours unacknowledged, only our END is: nothing we sent can be lost, so
      // our close holds even though the peer's END came before the acknowledgement of ours.
      if (!endAcknowledged && !sender.nothingUnacknowledged()) {
        reset(
            "closed without reading what the peer sent after this side's close, and the peer's"
                + " END arrived before ours was acknowledged",
            toPeer);
        return;
      }
      session.send(new TunnelFrame.Reset(sender.connectionId(), toPeer));
    } else if (!endAcknowledged || !peerEnded) {
      return;
    }
    String reason = lifecycle.closeReason();
    session.provider().forget(this);
    lifecycle.closed(reason == null ? "closed" : reason);
  }

  /** The connection broke its contract (bad numbering, too large): reset it, say why. */
  void fail(String reason) {
    reset(reason, true);
  }

  /**
   * Ends the connection now: what was not acknowledged may be lost, and the close future says how
   * much.
   *
   * @param tellPeer whether to send RESET (false when the peer or the server reset it)
   */
  void reset(String reason, boolean tellPeer) {
    reset(reason, tellPeer ? reason : null);
  }

  /** As {@link #reset(String, boolean)}, telling the peer {@code toPeer} unless it is null. */
  private void reset(String reason, String toPeer) {
    if (lifecycle.state() == ConnectionState.CLOSED) {
      return;
    }
    if (reconnectDeadline != null) {
      reconnectDeadline.cancel(false);
    }
    lifecycle.transition(ConnectionState.DISCONNECTING, reason);
    long id = sender.connectionId();
    if (toPeer != null && id != 0) {
      session.send(new TunnelFrame.Reset(id, toPeer));
    }
    List<CompletableFuture<Void>> unsent = new ArrayList<>();
    MessageSender.Unacknowledged left = sender.discard(unsent);
    session.provider().forget(this);
    inbox.fail(this::closedError);
    lifecycle.failed(reason, lifecycle.notAcknowledged(reason, left.messages(), left.bytes()));
    ConnectionClosedException error = closedError();
    for (CompletableFuture<Void> f : unsent) {
      f.completeExceptionally(error);
    }
    session.failWaiters(this, error);
  }

  /** The server connection dropped: wait for it to come back, but not forever. */
  void serverLost(String reason, Duration timeout) {
    if (lifecycle.state() == ConnectionState.DISCONNECTING) {
      reset(reason + " before the close was acknowledged", false);
      return;
    }
    if (lifecycle.state() != ConnectionState.CONNECTED) {
      return;
    }
    List<CompletableFuture<Void>> unsent = new ArrayList<>();
    sender.channelLost(unsent);
    receiver.channelLost();
    lifecycle.transition(ConnectionState.RECONNECTING, reason);
    NetworkException error = serverDown();
    for (CompletableFuture<Void> f : unsent) {
      f.completeExceptionally(error);
    }
    reconnectDeadline =
        session.schedule(
            () -> {
              if (lifecycle.state() == ConnectionState.RECONNECTING) {
                fail(
                    "the tunnel server stayed unreachable for "
                        + timeout.toMillis()
                        + " ms (P2P_TUNNEL_RECONNECT_TIMEOUT_MS)");
              }
            },
            timeout);
  }

  void resumed(long id) {
    if (reconnectDeadline != null) {
      reconnectDeadline.cancel(false);
    }
    sender.bind(id);
    lifecycle.transition(ConnectionState.CONNECTED, "the tunnel server is reachable again");
  }

  @Override
  public String toString() {
    return "TunnelConnection["
        + peer.shortString()
        + ", port "
        + virtualPort
        + ", "
        + lifecycle.state()
        + "]";
  }
}
