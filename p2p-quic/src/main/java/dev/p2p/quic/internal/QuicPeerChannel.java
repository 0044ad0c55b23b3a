package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.Path;
import dev.p2p.api.PeerId;
import dev.p2p.core.ConnectionLifecycle;
import dev.p2p.core.Inbox;
import dev.p2p.core.TrafficCounters;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.quic.internal.path.Route;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link P2PConnection} over one QUIC connection: RELIABLE messages on one bidirectional stream,
 * length-prefixed ({@link StreamOutbox} out, {@link StreamFrameReader} and {@link QuicReceiver}
 * in); UNRELIABLE messages as QUIC DATAGRAM frames ({@link DatagramLane}); the start through {@link
 * HelloExchange}, the end through {@link CloseHandshake}, the timers in between in {@link
 * Liveness}. State, events and the close future are the core's {@link ConnectionLifecycle}.
 *
 * <p>Threading: transport state lives on the connection's event loop. Application threads touch
 * only the outbox, the inbox and the lifecycle, which are thread-safe.
 */
final class QuicPeerChannel
    implements P2PConnection,
        PeerPath.Observer,
        QuicReceiver.Connection,
        HelloExchange.Host,
        CloseHandshake.Link {
  private static final Logger log = LoggerFactory.getLogger(QuicPeerChannel.class);

  private final QuicP2PProvider provider;
  private final QuicChannel quic;
  private final EventLoop loop;
  private final PeerId peer;
  private final PeerPath path;
  private final boolean dialler;
  private final QuicSettings settings;
  private final ConnectionLifecycle lifecycle;
  private final TrafficCounters counters = new TrafficCounters();
  private final Inbox inbox;
  private final StreamOutbox outbox;
  private final DatagramLane datagrams;
  private final ReadReceipts receipts = new ReadReceipts();
  private final QuicReceiver receiver;
  private final HelloExchange hello;
  private final CloseHandshake handshake;
  private final Liveness liveness;
  private final QuicStatsSampler sampler;

  /** Sends our traversal offers (again when our candidates change) on a stream of their own. */
  private final java.util.function.Consumer<dev.p2p.quic.internal.path.traversal.TraversalOffer>
      offerSender = offer -> TraversalStream.send(quic(), offer);

  private volatile QuicStreamChannel stream;
  private String localCloseReason; // loop: why we ended the QUIC connection ourselves

  QuicPeerChannel(
      QuicP2PProvider provider, QuicChannel quic, PeerId peer, PeerPath path, boolean dialler) {
    this.provider = provider;
    this.quic = quic;
    this.loop = quic.eventLoop();
    this.peer = peer;
    this.path = path;
    this.dialler = dialler;
    this.settings = provider.settings();
    // Listeners run on the thread of the change, in order: a listener added after connect()
    // returned must not hear of the CONNECTED that happened before it.
    this.lifecycle =
        new ConnectionLifecycle(peer, ConnectionState.AUTHENTICATING, pathNow(), Runnable::run);
    this.datagrams =
        new DatagramLane(
            quic, settings.datagramQueueLength(), counters, () -> lifecycle.closedError("send"));
    this.receiver =
        new QuicReceiver(
            loop, this, lifecycle, counters, datagrams, receipts, settings.receiveBufferBytes());
    this.inbox = receiver.inbox();
    this.outbox = new StreamOutbox(loop, counters, () -> lifecycle.closedError("send"));
    this.handshake =
        new CloseHandshake(loop, this, lifecycle, inbox, outbox, receipts, settings.idleTimeout());
    this.sampler = new QuicStatsSampler(quic);
    this.hello = new HelloExchange(quic, peer, dialler, lifecycle, this);
    this.liveness =
        new Liveness(
            quic,
            path,
            settings,
            () -> {
              writeControl(StreamFrames.PING);
              receipts.maybeReport(stream, true);
              sampler.refresh();
            },
            this);
    if (path != null) {
      path.users.incrementAndGet();
      path.addObserver(this);
    }
  }

  private Path pathNow() {
    if (path == null) {
      return Path.direct();
    }
    Route current = path.current();
    if (current != null) {
      return current.toPath();
    }
    List<InetSocketAddress> direct = path.candidates();
    if (!direct.isEmpty()) {
      return Path.direct(direct.get(0));
    }
    return path.relays().isEmpty() ? Path.direct() : Path.relayed(path.relays().get(0));
  }

  QuicChannel quic() {
    return quic;
  }

  /** Reads the peer's traversal offer from {@code s} and gives it to the path layer. */
  void acceptTraversalStream(QuicStreamChannel s) {
    if (path == null) {
      s.close();
      return;
    }
    s.pipeline()
        .addLast(TraversalStream.reader(offer -> provider.pathLayer().offerReceived(path, offer)));
  }

  PeerPath peerPath() {
    return path;
  }

  // ---- set-up (loop) ----

  /** Dialler: the TLS handshake is done; open the stream and say hello. */
  void startDialler(CompletableFuture<P2PConnection> established) {
    hello.startDialler(established, newStreamReader());
  }

  /** The handler that reads the message stream into this connection. */
  StreamFrameReader newStreamReader() {
    return new StreamFrameReader(receiver, settings.maxMessageSize());
  }

  /** Listener: the peer opened its stream. Only the first one is used. */
  boolean acceptStream(QuicStreamChannel s) {
    return hello.acceptStream(s);
  }

  @Override
  public void attachStream(QuicStreamChannel s) {
    stream = s;
    receiver.attach(s);
    outbox.endHoldsAt(AckPiggyback.of(quic));
    outbox.attach(s);
  }

  @Override
  public void onControl(int frame) {
    switch (frame) {
      case StreamFrames.HELLO -> hello.helloReceived();
      case StreamFrames.HELLO_ACK -> hello.helloAckReceived(this);
      case StreamFrames.PING -> {}
      case StreamFrames.CLOSE -> {
        sampler.refresh();
        handshake.closeReceived();
      }
      case StreamFrames.CLOSE_ACK -> {
        sampler.refresh();
        handshake.closeAckReceived();
      }
      default -> log.debug("{}: ignoring unknown control frame {}", this, frame);
    }
  }

  @Override
  public void connected(String reason) {
    lifecycle.transition(ConnectionState.CONNECTED, reason);
    liveness.start();
    if (path != null && !provider.pathLayer().policy().relayOnly()) {
      // Tell the peer how to probe us and where: the start of hole punching.
      provider.pathLayer().offerFor(path, offerSender);
    }
    if (!dialler) {
      provider.accepted(this);
    }
  }

  // ---- the end ----

  /**
   * The QUIC connection is gone (closed by either side, idle timeout, reset, error). Loop.
   *
   * @param peerReason why the peer closed it, if it told us; null otherwise
   * @param peerClosedNormally the peer closed with code 0, the last step of a graceful close
   */
  void onQuicClosed(String peerReason, boolean peerClosedNormally) {
    liveness.stop();
    String reason = closeReason(peerReason);
    hello.quicClosed(reason);
    handshake.quicClosed(reason, peerClosedNormally);
    datagrams.fail();
    inbox.fail(() -> lifecycle.closedError("receive"));
    if (path != null) {
      path.removeObserver(this);
      path.users.decrementAndGet();
      provider.pathLayer().offersEnd(offerSender);
    }
  }

  private String closeReason(String peerReason) {
    if (localCloseReason != null) {
      return localCloseReason;
    }
    if (peerReason != null) {
      return peerReason;
    }
    if (quic.isTimedOut()) {
      return "no packet from the peer for " + CloseHandshake.describe(settings.idleTimeout());
    }
    if (path != null && path.resetSeen()) {
      return "the peer no longer knows this connection (it restarted or lost its state; QUIC"
          + " stateless reset)";
    }
    return "the QUIC connection closed";
  }

  @Override
  public void closeQuic(int code, String reason) {
    if (localCloseReason == null) {
      localCloseReason = reason;
    }
    byte[] why = code == CloseHandshake.CLOSE_NORMAL ? new byte[0] : utf8(reason);
    quic.close(true, code, quic.alloc().buffer(why.length).writeBytes(why));
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return b.length <= 200 ? b : java.util.Arrays.copyOf(b, 200);
  }

  @Override
  public void onStreamError(Throwable cause) {
    log.debug("{}: stream error", this, cause);
    closeQuic(CloseHandshake.CLOSE_PROTOCOL_ERROR, "protocol error: " + cause.getMessage());
  }

  @Override
  public void onStreamEnd() {
    closeQuic(
        CloseHandshake.CLOSE_PROTOCOL_ERROR, "the peer ended the message stream without a close");
  }

  @Override
  public void close() {
    if (!lifecycle.transition(ConnectionState.DISCONNECTING, "closed locally")) {
      return; // already closing (either side) or closed
    }
    inbox.fail(() -> lifecycle.closedError("receive"));
    onLoop(
        () -> {
          sampler.refresh(); // the last figures stay readable after close
          if (quic.isActive()) {
            receiver.readToTheEnd(); // what arrives now is dropped, but CLOSE_ACK must be read
            handshake.closeLocally();
          }
        });
  }

  /** Ends the connection at once, without waiting for the peer: the provider's linger passed. */
  void reset(String why) {
    onLoop(
        () -> {
          if (quic.isActive()) {
            closeQuic(CloseHandshake.CLOSE_RESET, why);
          }
        });
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      try {
        loop.execute(task);
      } catch (RejectedExecutionException e) {
        log.debug("{}: event loop gone; {} not run", this, task);
      }
    }
  }

  @Override
  public CompletableFuture<Void> closeFuture() {
    return lifecycle.closeFuture();
  }

  // ---- sending ----

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    if (lifecycle.isClosing()) {
      return CompletableFuture.failedFuture(lifecycle.closedError("send"));
    }
    if (delivery == Delivery.UNRELIABLE) {
      return datagrams.send(message);
    }
    if (message.length > settings.maxMessageSize()) {
      return CompletableFuture.failedFuture(
          new MessageTooLargeException(
              message.length, settings.maxMessageSize(), "maximum message size"));
    }
    return outbox.send(message);
  }

  @Override
  public boolean streamOpen() {
    return outbox.streamOpen();
  }

  @Override
  public void writeControl(int frame) {
    outbox.writeNow(frame);
  }

  /** The largest UNRELIABLE message, or -1 while unknown / 0 if the peer has no datagrams. */
  int datagramLimit() {
    return datagrams.limit();
  }

  void onDatagramLimit(int maxLength) {
    datagrams.maxFrameLength(maxLength);
  }

  // ---- receiving ----

  @Override
  public void reportReads() {
    receiver.reportReads();
  }

  /** A DATAGRAM frame arrived. Loop. */
  void onDatagram(ByteBuf content) {
    receiver.onDatagram(content);
  }

  @Override
  public CompletableFuture<byte[]> recv() {
    return inbox.recv();
  }

  @Override
  public Flow.Publisher<byte[]> messages() {
    return inbox;
  }

  // ---- observation ----

  @Override
  public PeerId peerId() {
    return peer;
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
  public void addListener(ConnectionListener listener) {
    lifecycle.addListener(listener);
  }

  /**
   * The path layer moved the peer's packets. A failover (the old route stopped working) shows as
   * FAILING_OVER, the path change, then CONNECTED again; QUIC itself never notices either way.
   */
  @Override
  public void pathChanged(
      PeerPath p, Route previous, Route current, String reason, boolean failover) {
    boolean up = lifecycle.state() == ConnectionState.CONNECTED;
    if (failover && up) {
      lifecycle.transition(ConnectionState.FAILING_OVER, reason);
    }
    lifecycle.pathChanged(current.toPath(), reason);
    if (failover && up) {
      lifecycle.transition(ConnectionState.CONNECTED, "now " + current.toPath());
    }
  }

  @Override
  public ConnectionStats stats() {
    sampler.refreshFromAnyThread();
    return counters.stats(sampler.rtt(), sampler.loss(), lifecycle.path().type());
  }

  /** UNRELIABLE messages that never arrived (sender queue drops and network loss). */
  long datagramGaps() {
    return datagrams.gaps();
  }

  /** UNRELIABLE messages this side dropped because its send queue was full. */
  long datagramsDroppedAtSend() {
    return datagrams.droppedAtSend();
  }

  /** UNRELIABLE messages dropped here because nobody was reading. */
  long datagramsDroppedInbound() {
    return inbox.droppedUnreliable();
  }

  @Override
  public String toString() {
    return "QuicPeerChannel[" + peer.shortString() + (dialler ? " dialled" : " accepted") + "]";
  }

  /** For the provider's close: the error of a connection it reset. */
  ConnectionClosedException closedError(String operation) {
    return lifecycle.closedError(operation);
  }
}
