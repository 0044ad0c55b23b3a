package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.PathType;
import java.util.ArrayDeque;

/**
 * The fields of a connection end that a message reads or writes, on either side, declared in the
 * bottom class so that HotSpot lays them out first, in the first few cache lines of the object
 * (superclass fields come first; the layers above add what only handshakes, closes, listeners and
 * {@code recv()} readers use). Each field belongs to the layer named beside it, which alone uses
 * it; they are here only for where they sit in memory. At 10,000 peers each end is out of cache
 * when a message reaches it, and the number of lines it touches is most of what a message costs
 * (benchmarks/RESULTS.md): spread over the layers, a message touched all six lines of both ends.
 */
abstract class EndState extends Event {
  static final long NO_DEADLINE = Long.MAX_VALUE;

  // ---- both sides
  final SimCore core;
  final PeerSlot local;
  final PeerSlot remote;
  final long id; // SimLifecycle
  final int localIndex; // local.index, kept here: the slot is cold at scale
  ConnectionState state = ConnectionState.CONNECTING; // SimLifecycle
  PathType path; // SimLifecycle: read by every packet sent
  boolean closeRequested; // SimLifecycle
  long lastHeard; // SimConnection
  long packetsSent; // SimConnection
  SimConnection remoteEnd; // SimConnection: the other end, learned from its first packet

  // ---- sending (ReliableStream): sent and unacknowledged, linked through Outgoing.next
  ReliableStream.Outgoing unackedHead;
  ReliableStream.Outgoing unackedTail;
  ReliableStream.Outgoing pendingHead;
  long nextSeq;
  long unackedBytes;
  long peerWindow;
  long ackedThrough = -1;
  long windowSentAt = -1;
  long closeDeadline = NO_DEADLINE;
  long retransmitAt = NO_DEADLINE;
  long smoothedRtt = -1; // RFC 6298
  long rttVariance;
  int backoff;
  long messagesSent; // SimConnection
  long bytesSent; // SimConnection

  // ---- receiving (ReliableReceiver, AppInbox)
  final long receiveCapacity;
  long expected;
  long advertised;
  boolean ackWanted; // the timer sends it
  long echo = -1; // sentAt of the first transmission that advanced us since the last ack
  long buffered; // AppInbox
  ArrayDeque<byte[]> inbox; // AppInbox
  SimSubscription subscription; // AppInbox

  /** Why nothing more will arrive for the application; null while the connection is open. */
  ConnectionClosedException closedCause; // AppInbox

  long messagesReceived; // SimConnection
  long bytesReceived; // SimConnection

  EndState(SimCore core, long receiveCapacity, PeerSlot local, PeerSlot remote, long id) {
    this.core = core;
    this.receiveCapacity = receiveCapacity;
    this.local = local;
    this.remote = remote;
    this.id = id;
    this.localIndex = local.index;
    this.lastHeard = core.now();
  }

  /**
   * Loads every cache line of the fields above, the oldest unacknowledged send and the
   * subscription, at once (see {@link Event#prefetch}). The fields read are at most 56 bytes apart
   * in HotSpot's layout (longs, then ints and booleans, then references), so each line is loaded
   * whatever the object's alignment.
   */
  @Override
  long prefetch() {
    long sum = time + unackedBytes + rttVariance + buffered + (remoteEnd == null ? 0 : 1);
    sum += closedCause == null ? 0 : 1;
    ReliableStream.Outgoing o = unackedHead;
    if (o != null) {
      sum += o.seq;
    }
    SimSubscription s = subscription;
    return s == null ? sum : sum + s.prefetch();
  }
}
