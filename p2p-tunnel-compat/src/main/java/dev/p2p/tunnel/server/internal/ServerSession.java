package dev.p2p.tunnel.server.internal;

import dev.p2p.api.PeerId;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.tunnel.internal.DataFrame;
import dev.p2p.tunnel.internal.ErrorCode;
import dev.p2p.tunnel.internal.FrameType;
import dev.p2p.tunnel.internal.TunnelFrame;
import dev.p2p.tunnel.internal.TunnelFrameCodec;
import dev.p2p.tunnel.internal.TunnelFrameDecoder;
import dev.p2p.tunnel.internal.TunnelProtocol;
import dev.p2p.tunnel.internal.TunnelProtocolException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's TCP session with the tunnel server: registration, then connect requests and data
 * relaying. Runs on the channel's event loop; the connection book-keeping it shares with other
 * sessions lives in {@link ServerCore}.
 */
public final class ServerSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ServerSession.class);

  private enum Phase {
    AWAITING_REGISTER,
    AWAITING_RESPONSE,
    REGISTERED,
    CLOSED
  }

  private final ServerCore core;
  private final Channel channel;
  private final TunnelFrameDecoder decoder;
  private final ReadGate gate;

  /** Relay connections this session is an end of; shared with other sessions' threads. */
  final Set<Long> connectionIds = ConcurrentHashMap.newKeySet();

  /**
   * For each CONNECTED connection, the session at its other end: the data path's only lookup. Kept
   * by {@link ServerCore} under its lock, together with {@link #connectionIds}.
   */
  final Map<Long, Route> routes = new ConcurrentHashMap<>();

  /** Sessions paused because this session's queue was full; woken when it drains. */
  private final Set<ServerSession> waiters = ConcurrentHashMap.newKeySet();

  private final Forwarder forwarder = new Forwarder();
  private final RelayTally tally;
  private volatile Phase phase = Phase.AWAITING_REGISTER;
  private volatile PeerId peer;
  private volatile long appId;
  private volatile int features;
  private String token = "";
  private byte[] nonce;
  private ScheduledFuture<?> registrationTimer;

  ServerSession(ServerCore core, Channel channel, TunnelFrameDecoder decoder, ReadGate gate) {
    this.core = core;
    this.channel = channel;
    this.decoder = decoder;
    this.gate = gate;
    this.tally = new RelayTally(core.relay());
  }

  PeerId peer() {
    return peer;
  }

  long appId() {
    return appId;
  }

  Channel channel() {
    return channel;
  }

  /** True if the client speaks the flow-control extension. */
  boolean flowControl() {
    return (features & TunnelProtocol.FEATURE_FLOW_CONTROL) != 0;
  }

  boolean isRegistered() {
    return phase == Phase.REGISTERED;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long timeout = core.settings().registrationTimeout().toNanos();
    registrationTimer =
        ctx.executor()
            .schedule(
                () ->
                    kick(
                        ErrorCode.AUTHENTICATION_FAILED,
                        "registration not completed within "
                            + core.settings().registrationTimeout().toMillis()
                            + " ms"),
                timeout,
                TimeUnit.NANOSECONDS);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    phase = Phase.CLOSED;
    if (registrationTimer != null) {
      registrationTimer.cancel(false);
    }
    handOver(); // what this client sent before it left goes first
    core.sessionClosed(this);
    wakeWaiters();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    TunnelFrame frame = (TunnelFrame) msg;
    if (phase == Phase.CLOSED) {
      release(frame);
      return;
    }
    if (frame.type() != FrameType.DATA) {
      // Whatever this frame makes the server send (an END behind the data, an END_ACK, a RESET)
      // must not overtake the data this client sent before it.
      handOver();
    }
    try {
      switch (frame.type()) {
        case DATA -> relay((DataFrame) frame);
        case REGISTER -> onRegister((TunnelFrame.Register) frame);
        case CHALLENGE_RESPONSE -> onChallengeResponse((TunnelFrame.ChallengeResponse) frame);
        case PING -> {
          requireRegistered(frame);
          send(new TunnelFrame.Pong(((TunnelFrame.Ping) frame).token()));
        }
        case PONG -> requireRegistered(frame);
        case CONNECT_REQUEST -> {
          requireRegistered(frame);
          core.onConnectRequest(this, (TunnelFrame.ConnectRequest) frame);
        }
        case CONNECT_ACCEPTED -> {
          requireRegistered(frame);
          core.onConnectAccepted(this, (TunnelFrame.ConnectAccepted) frame);
        }
        case FAILED_CONNECT -> {
          requireRegistered(frame);
          core.onFailedConnect(this, (TunnelFrame.FailedConnect) frame);
        }
        case CONNECTION_END -> {
          requireRegistered(frame);
          core.onConnectionEnd(this, (TunnelFrame.ConnectionEnd) frame);
        }
        case WINDOW_UPDATE -> onWindowUpdate((TunnelFrame.WindowUpdate) frame);
        case END_ACK -> {
          requireFlowControl(frame);
          core.onEndAck(this, ((TunnelFrame.EndAck) frame).connectionId());
        }
        case RESET -> {
          requireFlowControl(frame);
          TunnelFrame.Reset reset = (TunnelFrame.Reset) frame;
          core.onReset(this, reset.connectionId(), reset.reason());
        }
        case ERROR -> {
          TunnelFrame.Error error = (TunnelFrame.Error) frame;
          log.debug("client {} reported {}: {}", describe(), error.code(), error.message());
          ctx.close();
        }
        default ->
            throw new TunnelProtocolException(
                ErrorCode.UNEXPECTED_FRAME, "a client must not send " + frame.type());
      }
    } catch (TunnelProtocolException e) {
      release(frame);
      kick(e.code(), e.getMessage());
    }
  }

  private void requireRegistered(TunnelFrame frame) {
    if (phase != Phase.REGISTERED) {
      throw new TunnelProtocolException(
          ErrorCode.UNEXPECTED_FRAME, frame.type() + " before registration completed");
    }
  }

  private void requireFlowControl(TunnelFrame frame) {
    requireRegistered(frame);
    if (!flowControl()) {
      throw new TunnelProtocolException(
          ErrorCode.UNEXPECTED_FRAME, frame.type() + " from a client without flow control");
    }
  }

  /** The receiver lets its sender send more: credit the sender's route, pass the grant on. */
  private void onWindowUpdate(TunnelFrame.WindowUpdate update) {
    requireFlowControl(update);
    Route toSender = routes.get(update.connectionId());
    if (toSender == null || !toSender.flowControlled) {
      return; // ending: nothing more to send
    }
    toSender.reverse.granted(update.increment());
    toSender.target.send(update);
  }

  private static void release(TunnelFrame frame) {
    if (frame instanceof DataFrame data) {
      data.release();
    }
  }

  private void onRegister(TunnelFrame.Register register) {
    if (phase != Phase.AWAITING_REGISTER) {
      throw new TunnelProtocolException(ErrorCode.UNEXPECTED_FRAME, "REGISTER sent twice");
    }
    peer = register.peer();
    appId = register.appId();
    features = register.features();
    token = register.token();
    if (core.isBanned(peer)) {
      kick(ErrorCode.BANNED, "peer " + peer + " is banned from this tunnel server");
      return;
    }
    Optional<String> expected = core.settings().accessToken();
    if (expected.isPresent()
        && !MessageDigest.isEqual(
            expected.get().getBytes(StandardCharsets.UTF_8),
            token.getBytes(StandardCharsets.UTF_8))) {
      kick(
          ErrorCode.ACCESS_DENIED,
          "wrong or missing access token; set P2P_TUNNEL_TOKEN to the server's token");
      return;
    }
    nonce = core.newNonce();
    phase = Phase.AWAITING_RESPONSE;
    send(new TunnelFrame.Challenge(nonce));
  }

  private void onChallengeResponse(TunnelFrame.ChallengeResponse response) {
    if (phase != Phase.AWAITING_RESPONSE) {
      throw new TunnelProtocolException(
          ErrorCode.UNEXPECTED_FRAME, "CHALLENGE_RESPONSE without a challenge");
    }
    byte[] signed = TunnelProtocol.signedChallenge(nonce, peer, appId);
    if (!Ed25519Identity.verify(peer, signed, response.signature())) {
      kick(
          ErrorCode.AUTHENTICATION_FAILED,
          "the signature does not prove ownership of peer id " + peer);
      return;
    }
    if (registrationTimer != null) {
      registrationTimer.cancel(false);
    }
    phase = Phase.REGISTERED;
    decoder.maxFrameSize(core.settings().maxFrameSize());
    if (flowControl()
        && core.settings().bytesPerSecondPerPeer() == 0
        && channel.config().getRecvByteBufAllocator() instanceof ReadSizes sizes) {
      sizes.allowBigReads(); // a 64 KiB message's frame inside one read, not copied
    }
    if (!core.register(this)) {
      return;
    }
    send(
        new TunnelFrame.Registered(
            core.settings().maxFrameSize(), (int) core.settings().idleTimeout().toMillis()));
    log.debug("registered {} from {}", peer.shortString(), channel.remoteAddress());
  }

  /** The hot path: forwards a DATA frame unchanged to the other end of its connection. */
  private void relay(DataFrame data) {
    requireRegistered(data);
    long id = data.connectionId();
    Route route = routes.get(id);
    if (route == null) {
      data.release();
      if (!connectionIds.contains(id)) {
        sendEnd(id, "no such connection on the tunnel server");
      } // else: connecting or ending; both ends are told by the connect and end frames
      return;
    }
    ServerSession target = route.target;
    if (route.flowControlled && !route.spend(data.payloadLength())) {
      throw new TunnelProtocolException(
          ErrorCode.FLOW_CONTROL,
          "connection "
              + id
              + ": sent more than the receiver granted; a client must wait for"
              + " WINDOW_UPDATE");
    }
    tally.relayed(id, data.payloadLength());
    forwarder.forward(target, data, route.flowControlled);
    // Flow-controlled senders are bounded by their windows: their socket is never paused for a
    // slow receiver, so their other connections and their pings go on.
    if (!route.flowControlled && !target.channel.isWritable()) {
      blockOn(target);
    }
  }

  private void blockOn(ServerSession target) {
    if (gate.blockOn(target)) {
      target.waiters.add(this);
      // Re-check after publishing ourselves, so a drain that raced with us is not missed.
      if (target.channel.isWritable() || !target.channel.isActive()) {
        target.waiters.remove(this);
        gate.unblockFrom(target);
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    handOver();
    ctx.fireChannelReadComplete();
  }

  /** The frames relayed in this read batch are counted, then go to their targets. */
  private void handOver() {
    tally.flush();
    forwarder.handOver();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (channel.isWritable()) {
      wakeWaiters();
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void wakeWaiters() {
    for (ServerSession waiter : waiters) {
      waiters.remove(waiter);
      waiter.channel.eventLoop().execute(() -> waiter.gate.unblockFrom(this));
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      // A paused client is not silent: we stopped reading it.
      if (!gate.isPaused()) {
        kick(
            ErrorCode.IDLE_TIMEOUT,
            "nothing received for " + core.settings().idleTimeout().toMillis() + " ms");
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Throwable t =
        cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    if (t instanceof TunnelProtocolException e) {
      log.debug("protocol error from {}: {}", describe(), e.getMessage());
      kick(e.code(), e.getMessage());
    } else if (t instanceof ClosedChannelException) {
      return; // a queued write failed because the session closed: nothing to add
    } else if (t instanceof IOException) {
      log.debug("connection to {} failed: {}", describe(), t.toString());
      ctx.close();
    } else {
      log.warn("unexpected error in session {}; closing it", describe(), t);
      ctx.close();
    }
  }

  /** Sends a control frame to this client now. */
  void send(TunnelFrame frame) {
    channel.writeAndFlush(TunnelFrameCodec.encode(channel.alloc(), frame), channel.voidPromise());
  }

  /**
   * Tells this client that a connection ended without a graceful close (the other end left, the
   * connection went stale): RESET for a client with flow control, the older CONNECTION_END else.
   */
  void sendEnd(long id, String reason) {
    send(
        flowControl()
            ? new TunnelFrame.Reset(id, reason)
            : new TunnelFrame.ConnectionEnd(id, reason));
  }

  /** Tells the client why, then closes its session. Safe from any thread. */
  void kick(ErrorCode code, String message) {
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> kick(code, message));
      return;
    }
    if (phase == Phase.CLOSED) {
      return;
    }
    phase = Phase.CLOSED;
    core.events()
        .info(code.name(), "closing session of " + describe() + ": " + code + " " + message);
    channel
        .writeAndFlush(
            TunnelFrameCodec.encode(channel.alloc(), new TunnelFrame.Error(code, message)))
        .addListener(ChannelFutureListener.CLOSE);
    // A client that does not read would keep the error frame (and the session) forever.
    channel.eventLoop().schedule(() -> channel.close(), 1, TimeUnit.SECONDS);
  }

  String describe() {
    PeerId p = peer;
    return (p == null ? "unregistered client" : p.shortString()) + " " + channel.remoteAddress();
  }

  /** Bytes queued toward this client and not yet written to its socket. */
  long queuedBytes() {
    var buffer = channel.unsafe().outboundBuffer();
    return buffer == null ? 0 : buffer.totalPendingWriteBytes();
  }
}
