package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * Hands incoming simulated connections to {@link #accept()} callers, in arrival order. An accept
 * future the caller completed, cancelled or timed out is skipped, so the connection goes to the
 * next caller; such futures are swept while they wait, so repeated timed-out accepts on a quiet
 * listener do not pile up.
 */
final class SimListener implements P2PListener {
  private static final int SWEEP = 64;
  private final SimCore core;
  private final SimPeer peer;
  private final String label;
  private final ArrayDeque<SimConnection> backlog = new ArrayDeque<>();
  private final ArrayDeque<CompletableFuture<P2PConnection>> waiting = new ArrayDeque<>();
  private boolean closed;
  private int sweepAt = SWEEP;

  SimListener(SimCore core, SimPeer peer, String label) {
    this.core = core;
    this.peer = peer;
    this.label = label;
  }

  @Override
  public CompletableFuture<P2PConnection> accept() {
    core.enter();
    try {
      SimConnection ready = backlog.poll();
      if (ready != null) {
        return CompletableFuture.completedFuture(ready);
      }
      if (closed) {
        return CompletableFuture.failedFuture(
            new ConnectionClosedException("the listener '" + label + "' is closed"));
      }
      if (waiting.size() >= sweepAt) {
        // Amortised: the threshold doubles past what stays, so each sweep pays for itself.
        waiting.removeIf(CompletableFuture::isDone);
        sweepAt = Math.max(SWEEP, 2 * waiting.size());
      }
      CompletableFuture<P2PConnection> future = new CompletableFuture<>();
      waiting.add(future);
      return future;
    } finally {
      core.exit();
    }
  }

  /** A new connection arrived. Lock held. */
  void offer(SimConnection connection) {
    CompletableFuture<P2PConnection> next;
    while ((next = waiting.poll()) != null) {
      if (next.complete(connection)) {
        return;
      }
    }
    backlog.add(connection);
  }

  /** accept() futures held, done or not: for tests of boundedness. */
  int heldAccepts() {
    core.enter();
    try {
      return waiting.size();
    } finally {
      core.exit();
    }
  }

  boolean closed() {
    return closed;
  }

  @Override
  public String localAddr() {
    return "sim://" + peer.slot.name + "/" + label;
  }

  /** The network, not an address, decides reachability: the id is all a dialer needs. */
  @Override
  public PeerAddress peerAddress() {
    return PeerAddress.of(peer.slot.id);
  }

  @Override
  public void close() {
    core.enter();
    try {
      closeLocked(new ConnectionClosedException("the listener '" + label + "' was closed"));
    } finally {
      core.exit();
    }
  }

  /** Lock held. Connections nobody accepted are closed: their dialers see the close. */
  void closeLocked(ConnectionClosedException why) {
    if (closed) {
      return;
    }
    closed = true;
    peer.listenerClosed(this);
    CompletableFuture<P2PConnection> next;
    while ((next = waiting.poll()) != null) {
      next.completeExceptionally(why);
    }
    SimConnection unaccepted;
    while ((unaccepted = backlog.poll()) != null) {
      unaccepted.closeLocked("listener closed before the connection was accepted");
    }
  }
}
