package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import dev.p2p.api.PeerNotFoundException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** One incarnation of a simulated peer: the {@link P2PProvider} a test talks to. */
public final class SimPeer implements P2PProvider {
  final SimCore core;
  final PeerSlot slot;
  boolean crashed;
  private boolean closed;
  private SimListener listener;
  private Runnable onClose;
  // Insertion-ordered so that walking the connections is the same on every run.
  private final PeerConnections connections = new PeerConnections();

  SimPeer(SimCore core, PeerSlot slot) {
    this.core = core;
    this.slot = slot;
  }

  @Override
  public String name() {
    return "simulator";
  }

  /** The name the peer was created with. */
  public String peerName() {
    return slot.name;
  }

  @Override
  public PeerId localPeerId() {
    return slot.id;
  }

  @Override
  public CompletableFuture<P2PListener> listen(String addr) {
    Objects.requireNonNull(addr, "addr");
    core.enter();
    try {
      if (closed || crashed) {
        return CompletableFuture.failedFuture(closedError());
      }
      if (listener != null) {
        return CompletableFuture.failedFuture(
            new IllegalStateException(
                "peer '"
                    + slot.name
                    + "' already listens as "
                    + listener.localAddr()
                    + "; close that listener first"));
      }
      listener = new SimListener(core, this, addr.isEmpty() ? "default" : addr);
      return CompletableFuture.completedFuture(listener);
    } finally {
      core.exit();
    }
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerAddress peer) {
    return connect(peer.peerId());
  }

  @Override
  public CompletableFuture<P2PConnection> connect(PeerId peer) {
    Objects.requireNonNull(peer, "peer");
    core.enter();
    try {
      if (closed || crashed) {
        return CompletableFuture.failedFuture(closedError());
      }
      PeerSlot target = core.topology.find(peer);
      if (target == null) {
        return CompletableFuture.failedFuture(
            new PeerNotFoundException(
                "no simulated peer has id "
                    + peer.shortString()
                    + "; peers exist once SimNetwork.newPeer created them"));
      }
      if (target == slot) {
        return CompletableFuture.failedFuture(
            new ConnectionFailedException("a peer cannot connect to itself"));
      }
      SimConnection connection =
          new SimConnection(
              core,
              this,
              target,
              core.topology.nextConnectionId(),
              true,
              core.topology.initialPath(slot, target));
      connections.add(connection);
      connection.startConnect();
      return connection.connected;
    } finally {
      core.exit();
    }
  }

  /** Runs when the provider closes (used to release a shared real-time network). */
  public void onClose(Runnable action) {
    core.enter();
    try {
      onClose = action;
    } finally {
      core.exit();
    }
  }

  /**
   * Closes every connection gracefully and returns once they have all closed (their close futures
   * are done) or the linger ({@code P2P_CLOSE_LINGER_MS}, virtual time) has passed; then resets
   * what is left, telling those peers. On a deterministic network this runs the simulation, every
   * peer's events, until then, as {@code SimNetwork.await} would: virtual time passes, nothing
   * sleeps. Called from inside a simulation callback, where time cannot pass, it starts the
   * graceful closes, schedules the reset for the end of the linger and returns at once.
   */
  @Override
  public void close() {
    CompletableFuture<Void> allClosed;
    core.enter();
    try {
      if (closed) {
        return;
      }
      closed = true;
      if (listener != null) {
        listener.closeLocked(new ConnectionClosedException("the provider was closed"));
      }
      List<SimConnection> all = connections.snapshot();
      CompletableFuture<?>[] futures = new CompletableFuture<?>[all.size()];
      if (core.settings.closeLinger().isZero()) {
        futures = new CompletableFuture<?>[0]; // reset at once: no FIN, which would read as clean
      }
      for (int i = 0; i < futures.length; i++) {
        SimConnection c = all.get(i);
        c.closeLocked("the provider was closed");
        // A close that fails still ends the wait: the linger is for closes still in progress.
        futures[i] = c.closeFuture().handle((v, e) -> null);
      }
      allClosed = CompletableFuture.allOf(futures);
    } finally {
      core.exit();
    }
    if (allClosed.isDone() || core.settings.closeLinger().isZero()) {
      afterLinger();
    } else {
      core.linger(allClosed, core.settings.closeLinger(), this::afterLinger);
    }
  }

  /** The linger is over: reset what still lingers, then release the network. */
  private void afterLinger() {
    Runnable after;
    core.enter();
    try {
      String why =
          "the provider of peer '"
              + slot.name
              + "' was closed and its linger of "
              + core.settings.closeLinger().toMillis()
              + " ms (P2P_CLOSE_LINGER_MS) passed first";
      for (SimConnection c : connections.snapshot()) {
        c.reset(why);
      }
      after = onClose;
      onClose = null;
    } finally {
      core.exit();
    }
    if (after != null) {
      after.run();
    }
  }

  // ---- called by the network, lock held -------------------------------------------------------

  void onPacket(Packet p) {
    SimConnection c = find(p);
    if (c != null) {
      c.onPacket(p);
      return;
    }
    if (p.kind == Packet.SYN) {
      onSyn(p);
    } else if (p.kind != Packet.RESET) {
      reset(p, "the peer has no such connection (it restarted or closed it)");
    }
  }

  /**
   * This peer's open end of the packet's connection, if it has one. The simulator knows both ends
   * of every connection ({@link SimConnection#twin}), so finding it takes no lookup by id.
   */
  private SimConnection find(Packet p) {
    SimConnection c = p.origin != null ? p.origin.twin : p.target;
    return c != null && c.peer == this && c.open() ? c : null;
  }

  private void onSyn(Packet syn) {
    if (closed || listener == null) {
      reset(syn, "peer '" + slot.name + "' (" + slot.id.shortString() + ") is not listening");
      return;
    }
    SimConnection c =
        new SimConnection(
            core,
            this,
            syn.from,
            syn.connectionId,
            false,
            core.topology.initialPath(syn.from, slot));
    connections.add(c);
    c.twin = syn.origin;
    syn.origin.twin = c;
    c.acceptHandshake();
    listener.offer(c);
  }

  private void reset(Packet cause, String reason) {
    Packet r = new Packet(Packet.RESET, slot, cause.from, cause.connectionId);
    r.reason = reason;
    SimConnection gone = cause.origin != null ? cause.origin.twin : cause.target;
    // Our end took in the sender's FIN, so all its data, before it forgot the connection: its
    // close is complete, only our acknowledgement was lost.
    r.fin = gone != null && gone.peer == this && gone.finReceived;
    r.target = cause.origin; // the end that sent it, if it still lives
    r.sentAt = core.now();
    core.transmit(r, core.topology.initialPath(slot, cause.from));
  }

  void connectionClosed(SimConnection c) {
    connections.remove(c);
  }

  void listenerClosed(SimListener l) {
    if (listener == l) {
      listener = null;
    }
  }

  void checkConnectionHealth() {
    for (SimConnection c : connections.snapshot()) {
      c.checkHealth();
    }
  }

  /** The process died: nothing is sent, everything local fails at once. */
  void crash() {
    crashed = true;
    shutdown(new ConnectionClosedException("peer '" + slot.name + "' crashed"));
  }

  void shutdown(ConnectionClosedException why) {
    closed = true;
    if (listener != null) {
      listener.closeLocked(why);
    }
    for (SimConnection c : connections.snapshot()) {
      c.abort(why);
    }
    connections.clear();
  }

  private ConnectionClosedException closedError() {
    return new ConnectionClosedException(
        "peer '"
            + slot.name
            + "' is "
            + (crashed ? "crashed" : "closed")
            + "; create or restart it");
  }

  @Override
  public String toString() {
    return "SimPeer[" + slot.name + " " + slot.id.shortString() + "]";
  }
}
