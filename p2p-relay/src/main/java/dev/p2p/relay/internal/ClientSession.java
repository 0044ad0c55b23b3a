package dev.p2p.relay.internal;

import dev.p2p.relay.internal.RelayMetrics.Drop;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's session, last in its pipeline: the login, then forwarding its packets to other
 * sessions and queueing theirs toward it. Fields are few and small because an idle relay holds one
 * of these per client (see the memory harness).
 *
 * <p>Everything but {@link #offer} and {@link #closeWith} runs on this channel's event loop; those
 * two may be called from any session's loop and only touch atomics or hand work to this loop: a
 * forwarded packet goes into the sender's loop's {@link ForwardBatch}, which writes it here.
 */
final class ClientSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ClientSession.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private static final AtomicIntegerFieldUpdater<ClientSession> QUEUED_PACKETS =
      AtomicIntegerFieldUpdater.newUpdater(ClientSession.class, "queuedPackets");
  private static final AtomicLongFieldUpdater<ClientSession> QUEUED_BYTES =
      AtomicLongFieldUpdater.newUpdater(ClientSession.class, "queuedBytes");
  private static final AtomicIntegerFieldUpdater<ClientSession> CLOSING =
      AtomicIntegerFieldUpdater.newUpdater(ClientSession.class, "closing");

  private static final byte HTTP = 0;
  private static final byte AWAITING_LOGIN = 1;
  private static final byte LOGGED_IN = 2;

  private final RelayCore core;
  private final Channel channel;
  private byte state = HTTP;
  private byte idleTicks;
  private boolean batches; // the client chose protocol 2: batches reach it whole
  private volatile int closing;
  private volatile int queuedPackets;
  private volatile long queuedBytes;
  private final QueueDelayDrops delayDrops = new QueueDelayDrops();
  private int writesDone; // progress marker for the write timeout
  private boolean needsFlush; // a forwarded packet was written and not yet flushed
  private PeerKey key;
  private byte[] challenge;
  private ScheduledFuture<?> loginTimer;

  ClientSession(RelayCore core, Channel channel) {
    this.core = core;
    this.channel = channel;
  }

  PeerKey key() {
    return key;
  }

  ChannelFuture closeFuture() {
    return channel.closeFuture();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // One deadline for the whole way in: HTTP request, upgrade and login. Plain HTTP connections
    // (health checks, scrapes) are closed at it too, so nothing unauthenticated stays long.
    loginTimer =
        ctx.executor()
            .schedule(
                this::loginTimedOut,
                core.settings().loginTimeout().toNanos(),
                TimeUnit.NANOSECONDS);
    if (!core.opened(this)) {
      channel.close();
      return;
    }
    ctx.fireChannelActive();
  }

  private void loginTimedOut() {
    if (state == HTTP) {
      channel.close();
    } else if (state == AWAITING_LOGIN) {
      core.metrics().authFailure(CloseReason.LOGIN_TIMEOUT);
      closeWith(
          CloseReason.LOGIN_TIMEOUT,
          "log in within " + core.settings().loginTimeout().toMillis() + " ms");
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ForwardBatch.drain(); // this read's packets, one task and one flush per destination
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ForwardBatch.drain();
    if (loginTimer != null) {
      loginTimer.cancel(false);
    }
    if (state != LOGGED_IN) {
      core.leftPending();
    }
    core.closed(this);
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete done) {
      batches = RelayProtocol.SUBPROTOCOL_V2.equals(done.selectedSubprotocol());
      ctx.pipeline().remove(RelayChannelInitializer.HTTP_ENDPOINTS);
      SlicingFrameDecoder.install(ctx.pipeline(), core.settings().maxFrameSize());
      state = AWAITING_LOGIN;
      challenge = new byte[RelayProtocol.CHALLENGE_LENGTH];
      RANDOM.nextBytes(challenge);
      send(RelayFrameCodec.challenge(ctx.alloc(), challenge));
    } else if (evt instanceof IdleStateEvent) {
      onReaderIdle();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  /** Called every ping interval without a read: ping, or close once the idle timeout has passed. */
  private void onReaderIdle() {
    if (state != LOGGED_IN) {
      channel.close(); // an HTTP client or an unfinished login that went quiet
      return;
    }
    idleTicks++;
    long silentMillis = idleTicks * core.settings().pingInterval().toMillis();
    if (silentMillis >= core.settings().idleTimeout().toMillis()) {
      closeWith(CloseReason.IDLE_TIMEOUT, "nothing received for " + silentMillis + " ms");
    } else {
      send(RelayFrameCodec.ping(channel.alloc(), RANDOM.nextLong()));
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    idleTicks = 0;
    if (closing != 0) {
      frame.release();
      return;
    }
    if (!(frame instanceof BinaryWebSocketFrame) || !frame.isFinalFragment()) {
      frame.release();
      closeWith(
          CloseReason.PROTOCOL_ERROR,
          "send each frame as one unfragmented binary WebSocket message");
      return;
    }
    ByteBuf content = frame.content();
    byte type = content.isReadable() ? content.getByte(content.readerIndex()) : 0;
    if (state == LOGGED_IN && type == RelayProtocol.SEND_PACKET) {
      forward(content); // takes ownership
      return;
    }
    if (state == LOGGED_IN && type == RelayProtocol.SEND_BATCH && batches) {
      forwardBatch(content); // takes ownership
      return;
    }
    try {
      handle(RelayFrameCodec.decode(content, core.settings().maxPacketSize()));
    } catch (RelayProtocolException e) {
      closeWith(e.reason(), e.getMessage());
    } finally {
      frame.release();
    }
  }

  private void handle(RelayFrame f) {
    if (state == AWAITING_LOGIN && f instanceof RelayFrame.Login login) {
      onLogin(login);
    } else if (state == LOGGED_IN && f instanceof RelayFrame.Ping ping) {
      send(RelayFrameCodec.pong(channel.alloc(), ping.data()));
    } else if (state == LOGGED_IN && f instanceof RelayFrame.Pong) {
      // Liveness only: the read itself reset the idle timer.
    } else {
      if (f instanceof RelayFrame.Packet p) {
        p.payload().release();
      } else if (f instanceof RelayFrame.Batch b) {
        b.payload().release(); // from a client of protocol 1, or before its login
      }
      closeWith(
          CloseReason.PROTOCOL_ERROR,
          "unexpected " + f.getClass().getSimpleName() + " frame " + stateName());
    }
  }

  private void onLogin(RelayFrame.Login login) {
    loginTimer.cancel(false);
    loginTimer = null; // one object less per idle client
    Optional<RelayCore.Refusal> refusal = core.check(login, challenge);
    if (refusal.isPresent()) {
      closeWith(refusal.get().reason(), refusal.get().message());
      return;
    }
    challenge = null;
    key = login.peer();
    RelayCore.RegisterResult r = core.register(this);
    if (!r.accepted()) {
      key = null;
      closeWith(
          CloseReason.SERVER_FULL,
          "the relay has its maximum of " + core.settings().maxClients() + " clients");
      return;
    }
    state = LOGGED_IN;
    core.leftPending();
    if (r.replaced() != null) {
      r.replaced()
          .closeWith(
              CloseReason.REPLACED,
              "the same peer id logged in again from " + channel.remoteAddress());
    }
    RelaySettings s = core.settings();
    send(
        RelayFrameCodec.welcome(
            channel.alloc(),
            s.maxPacketSize(),
            (int) s.pingInterval().toMillis(),
            (int) s.idleTimeout().toMillis(),
            s.queuePackets(),
            core.stunPort()));
    log.debug("{} logged in from {}", key, channel.remoteAddress());
  }

  /** A SEND_PACKET frame: rewritten in place into RECV_PACKET (same length) and handed over. */
  private void forward(ByteBuf content) {
    int len = content.readableBytes();
    int start = content.readerIndex();
    int payload = len - RelayProtocol.PACKET_HEADER_LENGTH;
    if (payload < 0) {
      refuse(
          content,
          CloseReason.PROTOCOL_ERROR,
          "packet frame of " + len + " bytes has no destination");
      return;
    }
    if (tooLarge(content, payload, "packet")) {
      return;
    }
    ClientSession dest = destinationOf(content, start);
    if (dest != null) {
      content.setByte(start, RelayProtocol.RECV_PACKET);
      key.set(content, start + 1);
      dest.offer(content, payload); // counts its own drops
    }
  }

  /**
   * A SEND_BATCH frame: to a client of protocol 2 rewritten in place into RECV_BATCH and handed
   * over whole; to one of protocol 1, one RECV_PACKET frame per packet in it.
   */
  private void forwardBatch(ByteBuf content) {
    int len = content.readableBytes();
    int start = content.readerIndex();
    int payload = len - RelayProtocol.BATCH_HEADER_LENGTH;
    int segment =
        payload < 1 ? 0 : content.getUnsignedShort(start + RelayProtocol.PACKET_HEADER_LENGTH);
    if (segment == 0) {
      refuse(
          content,
          CloseReason.PROTOCOL_ERROR,
          payload < 1 ? "batch frame of " + len + " bytes has no packets" : "batch of segment 0");
      return;
    }
    if (tooLarge(content, payload, "batch")) {
      return;
    }
    ClientSession dest = destinationOf(content, start);
    if (dest == null) {
      return;
    }
    core.metrics().batch(dest.batches);
    if (dest.batches) {
      content.setByte(start, RelayProtocol.RECV_BATCH);
      key.set(content, start + 1);
      dest.offer(content, payload);
      return;
    }
    try {
      int end = start + len;
      for (int at = start + RelayProtocol.BATCH_HEADER_LENGTH; at < end; at += segment) {
        int n = Math.min(segment, end - at);
        ByteBuf one =
            channel
                .alloc()
                .compositeBuffer(2)
                .addComponents(
                    true,
                    RelayFrameCodec.packetHeader(channel.alloc(), false, key),
                    content.retainedSlice(at, n));
        dest.offer(one, n);
      }
    } finally {
      content.release();
    }
  }

  private boolean tooLarge(ByteBuf content, int payload, String what) {
    int max = core.settings().maxPacketSize();
    if (payload <= max) {
      return false;
    }
    refuse(content, CloseReason.TOO_LARGE, what + " of " + payload + " bytes, the limit is " + max);
    return true;
  }

  private void refuse(ByteBuf content, CloseReason reason, String why) {
    content.release();
    closeWith(reason, why);
  }

  /**
   * The logged-in client a packet or batch frame is for; null (the frame released) after telling
   * the sender that it is not there.
   */
  private ClientSession destinationOf(ByteBuf content, int start) {
    PeerKey destKey = PeerKey.read(content, start + 1);
    ClientSession dest = core.lookup(destKey);
    if (dest == null) {
      content.release();
      core.metrics().dropped(Drop.NO_DESTINATION);
      ByteBuf gone = RelayFrameCodec.peerGone(channel.alloc(), destKey);
      if (!offer(gone, -1)) {
        core.metrics().dropped(Drop.QUEUE_FULL); // this sender does not read its own replies
      }
    }
    return dest;
  }

  /**
   * Queues a frame toward this client ({@code payloadBytes} of a forwarded packet, -1 for a frame
   * of the relay's own), or drops it (releasing it; a packet's drop counted) when the queue is at
   * its bound or, for packets, its delay target. Never blocks: a slow reader costs its senders
   * nothing but the drop.
   */
  boolean offer(ByteBuf frameBytes, int payloadBytes) {
    int size = frameBytes.readableBytes();
    RelaySettings s = core.settings();
    Drop counted = payloadBytes < 0 ? null : Drop.QUEUE_FULL; // our own frames: the caller's
    if (closing != 0) {
      counted = counted == null ? null : Drop.DESTINATION_CLOSED;
    }
    // Both counters always move together, so a drop undoes exactly what it added.
    int packets = QUEUED_PACKETS.incrementAndGet(this);
    long bytes = QUEUED_BYTES.addAndGet(this, size);
    if (closing != 0 || packets > s.queuePackets() || bytes > s.queueBytes()) {
      return drop(frameBytes, size, counted);
    }
    if (payloadBytes >= 0 && overDelayTarget(size)) {
      return drop(frameBytes, size, Drop.QUEUE_DELAY);
    }
    if (payloadBytes >= 0) {
      ForwardBatch.add(this, frameBytes, payloadBytes); // written at the end of the sender's read
      return true;
    }
    channel
        .writeAndFlush(new BinaryWebSocketFrame(frameBytes))
        .addListener(f -> written(size, -1, 0));
    return true;
  }

  EventLoop eventLoop() {
    return channel.eventLoop();
  }

  /** A batched forwarded packet, on this channel's loop; flushed by {@link #flushForwarded}. */
  void write(ForwardBatch.Out o, long queuedAt) {
    int size = o.frame().readableBytes();
    needsFlush = true;
    channel
        .write(new BinaryWebSocketFrame(o.frame()))
        .addListener(
            f -> {
              written(size, o.payloadBytes(), queuedAt);
              if (f.isSuccess()) {
                core.metrics().forwarded(o.payloadBytes());
              } else {
                core.metrics().dropped(Drop.DESTINATION_CLOSED);
              }
            });
  }

  void flushForwarded() {
    if (needsFlush) {
      needsFlush = false;
      channel.flush();
    }
  }

  /** A queued frame of {@code size} bytes has left the queue (written or failed). */
  private void written(int size, int payloadBytes, long queuedAt) {
    QUEUED_PACKETS.decrementAndGet(this);
    QUEUED_BYTES.addAndGet(this, -size);
    writesDone++;
    if (payloadBytes >= 0) {
      long now = System.nanoTime();
      delayDrops.written(now, now - queuedAt);
    }
  }

  /** Undoes an offer's accounting and drops its frame, counted under {@code why} (null: not). */
  private boolean drop(ByteBuf frameBytes, int size, Drop why) {
    QUEUED_PACKETS.decrementAndGet(this);
    QUEUED_BYTES.addAndGet(this, -size);
    frameBytes.release();
    if (why != null) {
      core.metrics().dropped(why);
    }
    return false;
  }

  /**
   * Whether a packet of {@code size} should be dropped for delay ({@link QueueDelayDrops}), never
   * while at most one largest packet is queued besides it: an empty queue always takes a packet,
   * and its wait updates the measure.
   */
  private boolean overDelayTarget(int size) {
    if (queuedBytes - size <= core.settings().maxFrameSize()) {
      return false;
    }
    return delayDrops.shouldDrop(System.nanoTime());
  }

  /** Frames of this session's own (challenge, pong, ...): queued like packets, never dropped. */
  private void send(ByteBuf frameBytes) {
    channel.writeAndFlush(new BinaryWebSocketFrame(frameBytes), channel.voidPromise());
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (!channel.isWritable()) {
      watchWrites(writesDone);
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** Closes a client that takes nothing we write for the whole write timeout. */
  private void watchWrites(int progressMark) {
    channel
        .eventLoop()
        .schedule(
            () -> {
              if (!channel.isActive() || channel.isWritable()) {
                return;
              }
              if (writesDone == progressMark) {
                closeWith(
                    CloseReason.WRITE_TIMEOUT,
                    "nothing could be written to this client for "
                        + core.settings().writeTimeout().toMillis()
                        + " ms");
              } else {
                watchWrites(writesDone);
              }
            },
            core.settings().writeTimeout().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  /**
   * Sends a reason frame and closes. The frame bypasses the packet queue's bound but not its order;
   * a client that does not read it is closed anyway after the write timeout. Any thread: the work
   * runs on this channel's loop.
   */
  void closeWith(CloseReason reason, String message) {
    if (!channel.eventLoop().inEventLoop()) {
      channel.eventLoop().execute(() -> closeWith(reason, message));
      return;
    }
    if (state == HTTP) {
      channel.close(); // not a WebSocket yet: there is no frame to say why
      return;
    }
    if (!CLOSING.compareAndSet(this, 0, 1)) {
      return;
    }
    core.metrics().closed(reason);
    log.debug("closing {} ({}): {} {}", channel.remoteAddress(), key, reason, message);
    channel
        .writeAndFlush(
            new BinaryWebSocketFrame(RelayFrameCodec.reason(channel.alloc(), reason, message)))
        .addListener(ChannelFutureListener.CLOSE);
    channel
        .eventLoop()
        .schedule(
            () -> {
              channel.close();
            },
            core.settings().writeTimeout().toNanos(),
            TimeUnit.NANOSECONDS);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Bad bytes below us (WebSocket framing, an oversize frame, TLS): close only this client.
    CloseReason reason =
        cause instanceof CorruptedWebSocketFrameException c
                && c.closeStatus() == WebSocketCloseStatus.MESSAGE_TOO_BIG
            ? CloseReason.TOO_LARGE
            : CloseReason.PROTOCOL_ERROR;
    if (cause instanceof DecoderException
        || cause instanceof WebSocketHandshakeException
        || cause instanceof java.io.IOException
        || cause instanceof javax.net.ssl.SSLException) {
      log.debug("client {} failed: {}", channel.remoteAddress(), cause.toString());
    } else {
      // Not the client's bytes but our own code: count it so it cannot go unnoticed.
      core.metrics().internalError();
      log.warn("internal error on client {}", channel.remoteAddress(), cause);
    }
    if (state == HTTP) {
      channel.close();
    } else {
      closeWith(reason, String.valueOf(cause.getMessage()));
    }
  }

  private String stateName() {
    return state == AWAITING_LOGIN ? "before login" : "after login";
  }
}
