package dev.p2p.quic.internal.path.transports;

import dev.p2p.relay.internal.PeerKey;
import dev.p2p.relay.internal.RelayClient;
import dev.p2p.relay.internal.RelayFrame;
import dev.p2p.relay.internal.RelayFrameCodec;
import dev.p2p.relay.internal.RelayRefusedException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The provider's login at one relay, kept alive: logs in with the provider's identity, pings every
 * {@value #PING_MILLIS} ms (keeping proxies and NAT mappings open, and measuring the latency that
 * picks the home relay), and logs in again with exponential back-off when the session ends.
 * Outgoing packets are written without flushing, and dropped (counted) while the socket is not
 * writable beyond {@link #HIGH_WATER_BYTES}, as a full UDP socket buffer would: QUIC sees a loss
 * and slows down; the event loop never waits. Event-loop confined.
 */
final class RelaySession implements RelayClient.Listener {
  private static final Logger log = LoggerFactory.getLogger(RelaySession.class);

  static final long PING_MILLIS = 5_000;
  static final long FIRST_BACKOFF_MILLIS = 200;
  static final long MAX_BACKOFF_MILLIS = 30_000;
  static final int HIGH_WATER_BYTES = 256 << 10;

  /** What a session tells its transport. Loop. */
  interface Events {
    /** {@code payload} is released when the call returns. */
    void packet(RelaySession session, PeerKey source, ByteBuf payload);

    void readComplete();

    void peerGone(RelaySession session, PeerKey peer);

    void up(RelaySession session);

    /** The session ended, or a login attempt failed ({@code wasUp} false). */
    void down(RelaySession session, boolean wasUp, String why);
  }

  final URI url;
  private final RelayClient.Options options;
  private final EventLoop loop;
  private final Events events;
  private RelayClient client; // non-null while logged in
  private boolean closed;
  private long backoff = FIRST_BACKOFF_MILLIS;
  private ScheduledFuture<?> pinger;
  private boolean needsFlush;
  private int maxPacket = 65_536;
  private volatile long rttNanos = Long.MAX_VALUE;
  private volatile InetSocketAddress stunServer; // the relay's STUN port, at the address we reached
  private long dropped;
  private boolean warnedOversize;

  /** Completes when the first login attempt succeeded or failed. */
  final CompletableFuture<Void> firstAttempt = new CompletableFuture<>();

  RelaySession(URI url, RelayClient.Options options, EventLoop loop, Events events) {
    this.url = url;
    this.options = options.withListener(this);
    this.loop = loop;
    this.events = events;
  }

  /** Where this relay answers STUN, as its welcome said; null if it does not or we are not in. */
  InetSocketAddress stunServer() {
    return client == null ? null : stunServer;
  }

  void start() {
    loop.execute(this::connect);
  }

  private void connect() {
    if (closed) {
      return;
    }
    RelayClient.connect(options).whenComplete((c, e) -> loop.execute(() -> connected(c, e)));
  }

  private void connected(RelayClient c, Throwable e) {
    if (closed) {
      if (c != null) {
        c.close();
      }
      return;
    }
    if (e != null || !c.channel().isActive()) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      String why = cause == null ? "the relay closed the session at once" : cause.getMessage();
      if (cause instanceof RelayRefusedException r && !r.reason().retryable()) {
        backoff = MAX_BACKOFF_MILLIS;
        log.warn("relay {} refused our login: {}; retrying in {} s", url, why, backoff / 1000);
      }
      events.down(this, false, why);
      firstAttempt.complete(null);
      retryLater(why);
      return;
    }
    client = c;
    c.channel()
        .config()
        .setWriteBufferWaterMark(new WriteBufferWaterMark(HIGH_WATER_BYTES / 2, HIGH_WATER_BYTES));
    if (c.welcome() != null) {
      maxPacket = c.welcome().maxPacketSize();
      int stun = c.welcome().stunPort();
      stunServer =
          stun > 0 && c.channel().remoteAddress() instanceof InetSocketAddress a
              ? new InetSocketAddress(a.getAddress(), stun)
              : null;
    }
    backoff = FIRST_BACKOFF_MILLIS;
    ping();
    pinger = loop.scheduleAtFixedRate(this::ping, PING_MILLIS, PING_MILLIS, TimeUnit.MILLISECONDS);
    log.debug("logged in to relay {}", url);
    events.up(this);
    firstAttempt.complete(null);
  }

  private void retryLater(String why) {
    if (closed) {
      return;
    }
    long delay = backoff + ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
    log.debug("relay {}: {}; logging in again in {} ms", url, why, delay);
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  private void ping() {
    RelayClient c = client;
    if (c != null) {
      c.ping(System.nanoTime());
    }
  }

  boolean isUp() {
    return client != null;
  }

  /** The last measured round trip to the relay; {@code Long.MAX_VALUE} while unknown or down. */
  long rttNanos() {
    return rttNanos;
  }

  long dropped() {
    return dropped;
  }

  /** Queues {@code payload} (released by this call) for {@code destination}; false if dropped. */
  boolean send(PeerKey destination, ByteBuf payload) {
    try {
      RelayClient c = client;
      Channel ch = c == null ? null : c.channel();
      if (ch == null || !ch.isActive() || !ch.isWritable() || payload.readableBytes() > maxPacket) {
        dropped++;
        if (ch != null && payload.readableBytes() > maxPacket && !warnedOversize) {
          // QUIC resends what is lost at the same size: every such packet would be lost again.
          warnedOversize = true;
          log.warn(
              "relay {} carries packets of at most {} bytes, and QUIC sent {}: set"
                  + " P2P_QUIC_MAX_UDP_PAYLOAD to {} or less, or raise the relay's"
                  + " P2P_RELAY_MAX_PACKET_SIZE",
              url,
              maxPacket,
              payload.readableBytes(),
              maxPacket);
        }
        return false;
      }
      // Header and payload as one composite: the masking encoder copies the payload once.
      ByteBuf frame =
          ch.alloc()
              .compositeBuffer(2)
              .addComponents(
                  true,
                  RelayFrameCodec.packetHeader(ch.alloc(), true, destination),
                  payload.retain());
      ch.write(new BinaryWebSocketFrame(frame), ch.voidPromise());
      needsFlush = true;
      return true;
    } finally {
      payload.release();
    }
  }

  /**
   * Queues the packets of a GSO send to {@code destination} ({@code content}, released by this
   * call: packets of {@code segment} bytes but the last): as batches where the relay takes them,
   * each as many whole packets as fit the relay's packet size, else one packet each. False if any
   * was dropped.
   */
  boolean sendSegments(PeerKey destination, ByteBuf content, int segment) {
    try {
      RelayClient c = client;
      int end = content.writerIndex();
      int start = content.readerIndex();
      int perBatch = Math.max(1, maxPacket / segment) * segment;
      boolean batches = c != null && c.batches() && end - start > segment && perBatch > segment;
      int step = batches ? perBatch : segment;
      boolean all = true;
      for (int at = start; at < end; at += step) {
        int n = Math.min(step, end - at);
        ByteBuf part = content.retainedSlice(at, n);
        all &=
            n > segment
                ? sendBatch(c.channel(), destination, part, segment)
                : send(destination, part);
      }
      return all;
    } finally {
      content.release();
    }
  }

  /** One batch frame of whole packets (released by this call); false if dropped. */
  private boolean sendBatch(Channel ch, PeerKey destination, ByteBuf packets, int segment) {
    if (!ch.isActive() || !ch.isWritable()) {
      dropped += (packets.readableBytes() + segment - 1) / segment;
      packets.release();
      return false;
    }
    ByteBuf frame =
        ch.alloc()
            .compositeBuffer(2)
            .addComponents(
                true, RelayFrameCodec.batchHeader(ch.alloc(), true, destination, segment), packets);
    ch.write(new BinaryWebSocketFrame(frame), ch.voidPromise());
    needsFlush = true;
    return true;
  }

  void flush() {
    if (needsFlush) {
      needsFlush = false;
      RelayClient c = client;
      if (c != null) {
        c.channel().flush();
      }
    }
  }

  void close() {
    closed = true;
    firstAttempt.complete(null);
    if (pinger != null) {
      pinger.cancel(false);
    }
    RelayClient c = client;
    client = null;
    if (c != null) {
      c.close();
    }
  }

  // ---- RelayClient.Listener (on the loop) ----

  @Override
  public void onPacket(PeerKey source, ByteBuf payload) {
    events.packet(this, source, payload);
  }

  @Override
  public void onReadComplete() {
    events.readComplete();
  }

  @Override
  public void onPeerGone(PeerKey peer) {
    events.peerGone(this, peer);
  }

  @Override
  public void onPong(long data) {
    long rtt = System.nanoTime() - data;
    if (rtt > 0 && rtt < TimeUnit.MINUTES.toNanos(1)) {
      rttNanos = rtt;
    }
  }

  @Override
  public void onClosed(RelayFrame.Reason reason) {
    if (client == null) {
      return; // a login that never completed: connected() handles it
    }
    client = null;
    rttNanos = Long.MAX_VALUE;
    needsFlush = false;
    if (pinger != null) {
      pinger.cancel(false);
    }
    String why =
        reason == null
            ? "the relay closed the connection"
            : "the relay ended the session (" + reason.reason() + "): " + reason.message();
    if (reason != null && !reason.reason().retryable()) {
      backoff = MAX_BACKOFF_MILLIS;
      log.warn("relay {}: {}", url, why);
    }
    events.down(this, true, why);
    retryLater(why);
  }

  @Override
  public String toString() {
    return "RelaySession[" + url + (client != null ? " up" : " down") + "]";
  }
}
