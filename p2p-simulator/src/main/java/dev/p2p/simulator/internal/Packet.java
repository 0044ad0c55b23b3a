package dev.p2p.simulator.internal;

/**
 * One packet on the simulated wire; it is its own arrival event. Fields are plain because the
 * packet never leaves the simulation thread.
 */
final class Packet extends Event {
  static final int SYN = 0;
  static final int SYN_ACK = 1;
  static final int RESET = 2;
  static final int DATA = 3;
  static final int DATAGRAM = 4;
  static final int ACK = 5;
  static final int PING = 6;
  static final int PROBE = 7;

  /**
   * The dialler's answer to the SYN-ACK, as TCP's third handshake segment or QUIC's acknowledgement
   * of the server's handshake: it echoes the SYN-ACK's sentAt, so the accepting end has an RTT
   * sample before any data, as the dialler has one from its SYN.
   */
  static final int CONFIRM = 8;

  /** Bytes of header a real transport would add; only bandwidth accounting uses it. */
  private static final int HEADER_BYTES = 48;

  final int kind;
  final PeerSlot from;
  final PeerSlot to;
  final long connectionId;
  long seq;
  byte[] payload;

  /** On DATA: the end of the stream. On a RESET: the resetting peer had received our FIN. */
  boolean fin;

  long cumulativeAck;
  long window;
  long[] sackRanges;
  long sentAt;

  /** On an ACK: the sentAt of the data transmission it answers, or -1 (RFC 7323 TSecr). */
  long echo = -1;

  String reason;

  /** The receiving end when the sender knows it: spares a map lookup per packet. */
  SimConnection target;

  /** The sending end, so the receiver can learn its {@link #target} for replies. */
  SimConnection origin;

  Packet(int kind, PeerSlot from, PeerSlot to, long connectionId) {
    this.kind = kind;
    this.from = from;
    this.to = to;
    this.connectionId = connectionId;
  }

  Packet copy() {
    Packet p = new Packet(kind, from, to, connectionId);
    p.seq = seq;
    p.payload = payload;
    p.fin = fin;
    p.cumulativeAck = cumulativeAck;
    p.window = window;
    p.sackRanges = sackRanges;
    p.sentAt = sentAt;
    p.echo = echo;
    p.reason = reason;
    p.target = target;
    p.origin = origin;
    return p;
  }

  int payloadSize() {
    return payload == null ? 0 : payload.length;
  }

  long wireSize() {
    return HEADER_BYTES + (long) payloadSize();
  }

  @Override
  long prefetch() {
    SimConnection t = target;
    return t == null ? 0 : t.prefetch();
  }

  @Override
  protected void run() {
    SimConnection t = target;
    if (t != null && t.open()) {
      // An open end belongs to the running incarnation: a crash or restart closes every end.
      t.onPacket(this);
      return;
    }
    SimPeer receiver = to.current;
    if (receiver == null || receiver.crashed) {
      return;
    }
    receiver.onPacket(this); // finds the end, or answers with a reset
  }

  static String kindName(int kind) {
    return switch (kind) {
      case SYN -> "SYN";
      case SYN_ACK -> "SYN-ACK";
      case RESET -> "RESET";
      case DATA -> "DATA";
      case DATAGRAM -> "DATAGRAM";
      case ACK -> "ACK";
      case PING -> "PING";
      case PROBE -> "PROBE";
      case CONFIRM -> "CONFIRM";
      default -> "KIND" + kind;
    };
  }
}
