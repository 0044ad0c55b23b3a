package dev.p2p.tunnel.server.internal;

import dev.p2p.tunnel.internal.TunnelProtocol;

/**
 * One direction of a relayed connection, as the sending session sees it: where its data goes and,
 * when both ends speak flow control, how much the receiver still lets it send. The sender's event
 * loop spends (every frame, a plain field); the receiver's loop grants (once per grant batch, a
 * volatile field with that loop as its only writer). So the hot path takes no atomic
 * read-modify-write, and a grant read late only makes the check stricter for a moment, never
 * looser.
 */
final class Route {
  final ServerSession target;
  final boolean flowControlled;
  Route reverse;

  private long spent; // sender's loop only
  private volatile long granted = TunnelProtocol.INITIAL_WINDOW; // receiver's loop writes

  // Guarded by the ServerCore lock: the close handshake of this direction's sender.
  boolean endSent;
  boolean ackSent;

  Route(ServerSession target, boolean flowControlled) {
    this.target = target;
    this.flowControlled = flowControlled;
  }

  /** The sender relayed {@code bytes} more; false if that is more than the receiver granted. */
  boolean spend(int bytes) {
    spent += bytes;
    return spent <= granted;
  }

  /** The receiver granted {@code increment} more bytes. Receiver's loop only. */
  void granted(int increment) {
    granted = granted + increment;
  }

  /** Both sessions' routes of one connection, pointing at each other. */
  static Route[] pair(ServerSession a, ServerSession b) {
    boolean fc = a.flowControl() && b.flowControl();
    Route ab = new Route(b, fc);
    Route ba = new Route(a, fc);
    ab.reverse = ba;
    ba.reverse = ab;
    return new Route[] {ab, ba};
  }
}
