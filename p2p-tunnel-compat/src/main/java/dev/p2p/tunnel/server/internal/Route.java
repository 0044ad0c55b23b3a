package dev.p2p.tunnel.server.internal;

import dev.p2p.tunnel.internal.TunnelProtocol;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of a relayed connection, as the sending session sees it: where its data goes and,
 * when both ends speak flow control, how much the receiver still lets it send. The credit is spent
 * on the sender's event loop and replenished on the receiver's, hence atomic.
 */
final class Route {
  final ServerSession target;
  final boolean flowControlled;
  final AtomicLong credit = new AtomicLong(TunnelProtocol.INITIAL_WINDOW);
  Route reverse;

  // Guarded by the ServerCore lock: the close handshake of this direction's sender.
  boolean endSent;
  boolean ackSent;

  Route(ServerSession target, boolean flowControlled) {
    this.target = target;
    this.flowControlled = flowControlled;
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
