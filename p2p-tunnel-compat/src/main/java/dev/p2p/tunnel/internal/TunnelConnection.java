package dev.p2p.tunnel.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.NetworkException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.api.internal.ConnectionListeners;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to one peer through the tunnel server.
 *
 * <p>Both {@link Delivery} modes travel the same ordered TCP path, so UNRELIABLE messages are in
 * fact delivered reliably and in order; they are only tagged with another channel number.
 *
 * <p>Sends take a short lock so message numbers and frames go out in the same order; everything the
 * server sends is handled on the provider's event loop.
 */
final class TunnelConnection implements P2PConnection {
  private static final Logger log = LoggerFactory.getLogger(TunnelConnection.class);

  static final int CHANNEL_RELIABLE = 0;
  static final int CHANNEL_UNRELIABLE = 1;

  private final TunnelSession session;
  private final PeerId peer;
  private final boolean initiator;
  private final int virtualPort;
  private final int maxMessageSize;
  private final long receiveBuffer;
  private final MessageInbox inbox = new MessageInbox();
  private final ConnectionListeners listeners =
      new ConnectionListeners((event, e) -> log.warn("connection listener failed on {}", event, e));
  private final ArrayDeque<ConnectionStateEvent> events = new ArrayDeque<>(); // guarded by this
  private final LongAdder bytesSent = new LongAdder();
  private final LongAdder bytesReceived = new LongAdder();
  private final LongAdder messagesSent = new LongAdder();
  private final LongAdder messagesReceived = new LongAdder();

  private volatile ConnectionState state = ConnectionState.CONNECTING;
  private volatile long connectionId;
  private volatile OutboundQueue outbound;
  private volatile String closeReason = "";

  // Guarded by this: the next number to send, so numbers and frames stay in one order.
  private long sendSeq;

  // Event loop only.
  private long recvExpected;
  private byte[] partial;
  private int partialLength;
  private boolean readPaused;
  private ScheduledFuture<?> reconnectDeadline;

  TunnelConnection(TunnelSession session, PeerId peer, boolean initiator, int virtualPort) {
    this.session = session;
    this.peer = peer;
    this.initiator = initiator;
    this.virtualPort = virtualPort;
    this.maxMessageSize = session.settings().maxMessageSize();
    this.receiveBuffer = session.settings().receiveBufferBytes();
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
    return connectionId;
  }

  synchronized long nextSendNumber() {
    return sendSeq;
  }

  long nextReceiveNumber() {
    return recvExpected;
  }

  @Override
  public ConnectionState state() {
    return state;
  }

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    if (message.length > maxMessageSize) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(message.length, maxMessageSize, "tunnel message"));
    }
    int channelNumber = delivery == Delivery.RELIABLE ? CHANNEL_RELIABLE : CHANNEL_UNRELIABLE;
    OutboundQueue queue;
    synchronized (this) {
      ConnectionState s = state;
      if (s != ConnectionState.CONNECTED) {
        return CompletableFuture.failedFuture(notSendable(s));
      }
      queue = outbound;
      Channel ch = queue.channel();
      if (!ch.isActive()) {
        return CompletableFuture.failedFuture(serverDown());
      }
      long number = sendSeq++;
      long id = connectionId;
      int chunk = session.maxPayloadPerFrame();
      int offset = 0;
      do {
        int length = Math.min(chunk, message.length - offset);
        boolean last = offset + length == message.length;
        queue.add(
            TunnelFrameCodec.encodeData(
                ch.alloc(), id, channelNumber, number, last, message, offset, length));
        offset += length;
      } while (offset < message.length);
    }
    bytesSent.add(message.length);
    messagesSent.increment();
    queue.schedule();
    return session.whenWritable(queue, this);
  }

  private RuntimeException notSendable(ConnectionState s) {
    if (s == ConnectionState.RECONNECTING) {
      return serverDown();
    }
    return closedError();
  }

  private NetworkException serverDown() {
    return new NetworkException(
        "the tunnel server is unreachable and the client is reconnecting; the message to "
            + peer.shortString()
            + " was not sent: retry once the connection is CONNECTED again");
  }

  ConnectionClosedException closedError() {
    return new ConnectionClosedException(
        "the connection to "
            + peer.shortString()
            + " is closed"
            + (closeReason.isEmpty() ? "" : " (" + closeReason + ")")
            + "; open a new one");
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    CompletableFuture<byte[]> next = inbox.recv();
    if (readPausedVolatile && inbox.unreadBytes() <= receiveBuffer / 2) {
      session.execute(this::maybeResumeReading);
    }
    return next;
  }

  private volatile boolean readPausedVolatile;

  private void maybeResumeReading() {
    if (readPaused && inbox.unreadBytes() <= receiveBuffer / 2) {
      readPaused = false;
      readPausedVolatile = false;
      session.resumeReading(this);
    }
  }

  @Override
  public ConnectionStats stats() {
    return new ConnectionStats(
        Duration.ofNanos(session.rttNanos()),
        bytesSent.sum(),
        bytesReceived.sum(),
        messagesSent.sum(),
        messagesReceived.sum(),
        0.0,
        PathType.RELAYED);
  }

  @Override
  public void addListener(ConnectionListener listener) {
    listeners.add(listener);
  }

  /** Returns at once: sends fail from now on, the end frame follows the messages already sent. */
  @Override
  public void close() {
    disconnecting("closed by the application");
    session.execute(
        () ->
            session
                .provider()
                .closeConnection(this, "closed by the application", "closed by the peer"));
  }

  // ---- called on the event loop by the provider ----

  /** The queue of the server channel this connection currently uses; null before it opens. */
  OutboundQueue outbound() {
    return outbound;
  }

  void opened(long id) {
    connectionId = id;
    outbound = session.outbound();
    transition(ConnectionState.CONNECTED, "connected through the tunnel server");
  }

  /** Handles one DATA frame; releases it. */
  void onData(DataFrame frame) {
    try {
      if (state != ConnectionState.CONNECTED) {
        return;
      }
      if (frame.messageNumber() != recvExpected) {
        session
            .provider()
            .failConnection(
                this,
                "protocol error: message "
                    + frame.messageNumber()
                    + " arrived where "
                    + recvExpected
                    + " was expected");
        return;
      }
      int length = frame.payloadLength();
      if ((long) partialLength + length > maxMessageSize) {
        session
            .provider()
            .failConnection(
                this,
                "the peer sent a message larger than this side's limit of "
                    + maxMessageSize
                    + " bytes (P2P_MAX_MESSAGE_SIZE)");
        return;
      }
      byte[] message;
      if (partial == null && frame.last()) {
        message = new byte[length];
        frame.copyPayload(message, 0);
      } else {
        if (partial == null) {
          partial = new byte[Math.max(length * 2, 1024)];
        } else if (partial.length < partialLength + length) {
          partial =
              Arrays.copyOf(
                  partial,
                  (int)
                      Math.min(
                          maxMessageSize, Math.max(partial.length * 2L, partialLength + length)));
        }
        frame.copyPayload(partial, partialLength);
        partialLength += length;
        if (!frame.last()) {
          return;
        }
        message = partial.length == partialLength ? partial : Arrays.copyOf(partial, partialLength);
        partial = null;
        partialLength = 0;
      }
      recvExpected++;
      bytesReceived.add(message.length);
      messagesReceived.increment();
      long unread = inbox.add(message);
      if (unread > receiveBuffer) {
        readPaused = true;
        readPausedVolatile = true;
        session.pauseReading(this); // idempotent; again after a reconnect
      }
    } finally {
      frame.release();
    }
  }

  /** The server connection dropped: wait for it to come back, but not forever. */
  void serverLost(String reason, Duration timeout) {
    if (state != ConnectionState.CONNECTED) {
      return;
    }
    connectionId = 0;
    partial = null;
    partialLength = 0;
    transition(ConnectionState.RECONNECTING, reason);
    reconnectDeadline =
        session.schedule(
            () -> {
              if (state == ConnectionState.RECONNECTING) {
                session
                    .provider()
                    .failConnection(
                        this,
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
    connectionId = id;
    outbound = session.outbound();
    transition(ConnectionState.CONNECTED, "the tunnel server is reachable again");
  }

  /** Closing from this side: sends fail from now on; {@link #closed} follows. */
  void disconnecting(String reason) {
    synchronized (this) {
      if (state != ConnectionState.CONNECTED && state != ConnectionState.RECONNECTING) {
        return;
      }
      closeReason = reason;
    }
    transition(ConnectionState.DISCONNECTING, reason);
  }

  /** Final: fails waiting calls; already received messages can still be read. */
  void closed(String reason) {
    if (reconnectDeadline != null) {
      reconnectDeadline.cancel(false);
    }
    synchronized (this) {
      if (state == ConnectionState.CLOSED) {
        return;
      }
      closeReason = reason;
      // First: whoever sees a failed call must see CLOSED.
      events.add(new ConnectionStateEvent(peer, state, ConnectionState.CLOSED, reason));
      state = ConnectionState.CLOSED;
    }
    inbox.close(this::closedError);
    session.failWaiters(this, closedError());
    if (readPaused) {
      readPaused = false;
      readPausedVolatile = false;
      session.resumeReading(this);
    }
    session.execute(this::deliverEvents);
  }

  private void transition(ConnectionState next, String reason) {
    synchronized (this) {
      ConnectionState previous = state;
      if (previous == next || previous == ConnectionState.CLOSED) {
        return;
      }
      state = next;
      events.add(new ConnectionStateEvent(peer, previous, next, reason));
    }
    session.execute(this::deliverEvents);
  }

  /**
   * Runs listeners on the event loop, one event at a time, in the order the state changed (the
   * events are queued under the same lock that orders the changes).
   */
  private void deliverEvents() {
    while (true) {
      ConnectionStateEvent event;
      synchronized (this) {
        event = events.poll();
      }
      if (event == null) {
        return;
      }
      listeners.fire(event);
    }
  }

  // TODO(issue 10): placeholders until the tunnel implements the new contract.
  @Override
  public dev.p2p.api.Path path() {
    return dev.p2p.api.Path.relayed();
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public java.util.concurrent.Flow.Publisher<byte[]> messages() {
    throw new UnsupportedOperationException("not yet");
  }

  @Override
  public String toString() {
    return "TunnelConnection[" + peer.shortString() + ", port " + virtualPort + ", " + state + "]";
  }
}
