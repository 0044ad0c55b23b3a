package dev.p2p.simulator.internal;

import java.time.Duration;

/**
 * Liveness of one connection end. Real transports send keep-alives all the time; the simulator only
 * runs them while a fault (partition, crash) could cut the connection, so a healthy idle network
 * has no events and {@code runUntilIdle} returns. A peer silent for the idle timeout is declared
 * gone.
 */
final class KeepAlive {
  private final SimConnection conn;
  private final SimCore core;
  private boolean running;

  KeepAlive(SimConnection conn) {
    this.conn = conn;
    this.core = conn.core;
  }

  /** A fault appeared somewhere: start keep-alives if it touches this connection. */
  void check() {
    if (running || !conn.open() || core.topology.healthy(conn.local, conn.remote)) {
      return;
    }
    running = true;
    // Continuous keep-alives mean the last packet was heard no longer ago than now.
    conn.lastHeard = core.now();
    core.schedule(interval(), this::tick);
  }

  private long interval() {
    long keepAlive = core.settings.keepAlive().toNanos();
    return Math.max(1, Math.min(keepAlive, core.settings.idleTimeout().toNanos() / 2));
  }

  private void tick() {
    if (!conn.open()) {
      running = false;
      return;
    }
    long silent = core.now() - conn.lastHeard;
    if (silent >= core.settings.idleTimeout().toNanos()) {
      running = false;
      conn.abort(
          new SimClosedException(
              "no packet from peer '"
                  + conn.remote.name
                  + "' for "
                  + Duration.ofNanos(silent)
                  + " (idle timeout): it crashed or the network between you is down"));
      return;
    }
    if (core.topology.healthy(conn.local, conn.remote) && silent < 2 * interval()) {
      running = false;
      return;
    }
    conn.emit(conn.packet(Packet.PING));
    long untilIdle = conn.lastHeard + core.settings.idleTimeout().toNanos() - core.now();
    core.schedule(Math.min(interval(), untilIdle), this::tick);
  }
}
