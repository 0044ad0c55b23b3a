package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.Delivery;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.simulator.SimCounters;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * One end of a simulated connection: the packets it sends and receives, the application's sending
 * side, counters and keep-alive. Its lifecycle is the {@link SimLifecycle}, reliable delivery the
 * {@link ReliableStream} and the application's receive side the {@link AppInbox} it extends: one
 * object per end, see {@link ReliableStream} for why. What only some connections need (listeners, a
 * close future, keep-alives) is created on first use, so an ordinary connection end stays a few
 * cache lines.
 */
final class SimConnection extends SimLifecycle {
  private static final long MIN_RECEIVE_BUFFER = 4L << 20;

  final SimPeer peer;
  private KeepAlive keepAlive;

  /** The other end as the simulator knows it from the handshake on; see SimPeer#find. */
  SimConnection twin;

  SimConnection previousOnPeer; // PeerConnections' links
  SimConnection nextOnPeer;

  long packetsLost;
  long packetsDuplicated;

  SimConnection(
      SimCore core, SimPeer peer, PeerSlot remote, long id, boolean dialer, PathType path) {
    super(
        core,
        Math.max(MIN_RECEIVE_BUFFER, core.settings.maxMessageSize()),
        peer.slot,
        remote,
        id,
        dialer,
        path);
    this.peer = peer;
  }

  @Override
  void closed() {
    peer.connectionClosed(this);
  }

  // ---- the application's sending side ----------------------------------------------------------

  @Override
  public PeerId peerId() {
    return remote.id;
  }

  @Override
  public CompletableFuture<Void> send(byte[] message, Delivery delivery) {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(delivery, "delivery");
    core.enter();
    try {
      if (message.length > core.settings.maxMessageSize()) {
        return CompletableFuture.failedFuture(
            new MessageTooLargeException(message.length, core.settings.maxMessageSize()));
      }
      if (closing()) {
        return CompletableFuture.failedFuture(closedError("send"));
      }
      if (delivery == Delivery.UNRELIABLE) {
        accepted(message.length);
        Packet p = packet(Packet.DATAGRAM);
        p.payload = message.clone();
        emit(p);
        return DONE;
      }
      // Copied: the caller may reuse its array once send completes, while the packet is in flight.
      return sendReliable(message.clone());
    } finally {
      core.exit();
    }
  }

  @Override
  public ConnectionStats stats() {
    core.enter();
    try {
      return new ConnectionStats(
          Duration.ofNanos(smoothedRtt()),
          bytesSent,
          bytesReceived,
          messagesSent,
          messagesReceived,
          packetsSent == 0 ? 0 : (double) packetsLost / packetsSent,
          path);
    } finally {
      core.exit();
    }
  }

  SimCounters counters() {
    core.enter();
    try {
      return new SimCounters(packetsSent, packetsLost, packetsDuplicated, retransmissions);
    } finally {
      core.exit();
    }
  }

  private ConnectionClosedException closedError(String operation) {
    ConnectionClosedException cause = closedCause;
    String why = cause != null ? cause.getMessage() : "the connection is closing";
    return new ConnectionClosedException("cannot " + operation + ": " + why, cause);
  }

  // ---- packets -----------------------------------------------------------------------------

  void onPacket(Packet p) {
    if (!open()) {
      return;
    }
    lastHeard = core.now();
    if (remoteEnd == null && p.origin != null && p.kind != Packet.RESET) {
      remoteEnd = p.origin;
    }
    switch (p.kind) {
      case Packet.SYN -> {
        if (!dialer) {
          emit(packet(Packet.SYN_ACK)); // our SYN-ACK was lost; the dialer asked again
        }
      }
      case Packet.SYN_ACK -> onSynAck(p);
      case Packet.CONFIRM -> {
        if (!dialer && p.echo >= 0) {
          sampleRtt(core.now() - p.echo); // the echo names the SYN-ACK answered, lost ones or not
        }
      }
      case Packet.RESET -> onReset(p);
      case Packet.DATA -> onData(p);
      case Packet.DATAGRAM -> onDatagram(p);
      case Packet.ACK -> onAck(p);
      case Packet.PROBE -> scheduleAck();
      default -> {} // PING: hearing it was the point
    }
  }

  private void onDatagram(Packet p) {
    if (closedCause != null || bufferedBytes() + p.payloadSize() > receiveCapacity) {
      return; // unreliable: a full buffer drops it, as a socket would
    }
    deliver(p.payload, -1);
  }

  /** Hands a message to the application. */
  @Override
  void deliver(byte[] message, long seq) {
    messagesReceived++;
    bytesReceived += message.length;
    core.recordDelivery(local, localIndex, id, seq, message.length);
    toApplication(message);
  }

  /** Counts a message accepted for delivery. */
  @Override
  void accepted(int size) {
    messagesSent++;
    bytesSent += size;
  }

  @Override
  Packet packet(int kind) {
    Packet p = new Packet(kind, local, remote, id);
    p.target = remoteEnd;
    p.origin = this;
    return p;
  }

  @Override
  void emit(Packet p) {
    p.sentAt = core.now();
    packetsSent++;
    int fate = core.transmit(p, path);
    if (fate == SimCore.FATE_LOST) {
      packetsLost++;
    } else if (fate == SimCore.FATE_DUPLICATED) {
      packetsDuplicated++;
    }
  }

  /** A fault appeared somewhere; see {@link KeepAlive}. */
  void checkHealth() {
    if (keepAlive == null) {
      keepAlive = new KeepAlive(this);
    }
    keepAlive.check();
  }

  @Override
  public String toString() {
    return "SimConnection[" + local.name + "->" + remote.name + " #" + id + "]";
  }
}
