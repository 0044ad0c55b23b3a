package dev.p2p.quic.internal;

import dev.p2p.quic.internal.path.PeerPath;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The timers of a connection that is up: a keep-alive tick (PING, a read receipt, fresh stats) and
 * the idle watch that declares the peer gone once no packet came from it for the idle timeout. QUIC
 * has its own idle timer, but with data in flight quiche noticed a vanished peer only after several
 * times the configured value; the path layer's last-packet time is exact. Event-loop confined.
 */
final class Liveness {
  private final EventLoop loop;
  private final QuicChannel quic;
  private final PeerPath path;
  private final QuicSettings settings;
  private final Runnable tick;
  private final CloseHandshake.Link link;
  private ScheduledFuture<?> keepAlive;
  private ScheduledFuture<?> idleWatch;

  Liveness(
      QuicChannel quic,
      PeerPath path,
      QuicSettings settings,
      Runnable tick,
      CloseHandshake.Link link) {
    this.loop = quic.eventLoop();
    this.quic = quic;
    this.path = path;
    this.settings = settings;
    this.tick = tick;
    this.link = link;
  }

  void start() {
    long every = settings.keepAlive().toMillis();
    keepAlive = loop.scheduleAtFixedRate(tick, every, every, TimeUnit.MILLISECONDS);
    if (path == null) {
      return;
    }
    long idle = settings.idleTimeout().toNanos();
    long check = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idle / 8);
    idleWatch =
        loop.scheduleAtFixedRate(
            () -> {
              if (System.nanoTime() - path.lastActivityNanos > idle && quic.isActive()) {
                link.closeQuic(
                    CloseHandshake.CLOSE_RESET,
                    "no packet from the peer for "
                        + CloseHandshake.describe(settings.idleTimeout()));
              }
            },
            check,
            check,
            TimeUnit.NANOSECONDS);
  }

  void stop() {
    if (keepAlive != null) {
      keepAlive.cancel(false);
    }
    if (idleWatch != null) {
      idleWatch.cancel(false);
    }
  }
}
