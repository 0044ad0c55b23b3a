package dev.p2p.tunnel.internal;

import dev.p2p.core.TransportSettings;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's keep-alive: a ping at an interval that suits the server's idle timeout, an RTT
 * sample from each pong, and the idle check. The channel is always read (flow control is per
 * connection), so silence from it means the server is gone. Event loop only, but {@link
 * #rttNanos()}.
 */
final class KeepAlive {
  private static final Logger log = LoggerFactory.getLogger(KeepAlive.class);

  private final TunnelSession session;
  private final TransportSettings settings;
  private volatile long rttNanos;
  private long lastReadNanos;
  private ScheduledFuture<?> task;

  KeepAlive(TunnelSession session, TransportSettings settings) {
    this.session = session;
    this.settings = settings;
  }

  /** Something arrived from the server. */
  void touch() {
    lastReadNanos = System.nanoTime();
  }

  void pong(long token) {
    rttNanos = System.nanoTime() - token;
  }

  long rttNanos() {
    return rttNanos;
  }

  /**
   * Starts pinging on a registered channel, often enough for the server's idle timeout too.
   *
   * @param serverIdleTimeoutMillis the server's idle timeout, 0 if it has none
   */
  void start(Channel ch, int serverIdleTimeoutMillis) {
    long interval = settings.keepAlive().toNanos();
    if (serverIdleTimeoutMillis > 0) {
      interval = Math.min(interval, TimeUnit.MILLISECONDS.toNanos(serverIdleTimeoutMillis) / 3);
    }
    long every = Math.max(interval, TimeUnit.MILLISECONDS.toNanos(10));
    // The first ping goes at once, so stats().rtt() has a sample one round trip after registering.
    task = ch.eventLoop().scheduleAtFixedRate(() -> ping(ch), 0, every, TimeUnit.NANOSECONDS);
  }

  void stop() {
    if (task != null) {
      task.cancel(false);
    }
  }

  private void ping(Channel ch) {
    if (!ch.isActive()) {
      return;
    }
    long now = System.nanoTime();
    long idle = settings.idleTimeout().toNanos();
    if (now - lastReadNanos > idle) {
      log.info(
          "no frame from tunnel server {} for {} ms ({}); reconnecting",
          session.serverText(),
          TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos),
          TransportSettings.IDLE_TIMEOUT_MS);
      ch.close();
      return;
    }
    session.send(ch, new TunnelFrame.Ping(now));
  }
}
