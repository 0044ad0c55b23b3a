package dev.p2p.tunnel.server.internal;

import io.netty.channel.Channel;
import java.util.HashSet;
import java.util.Set;

/**
 * Decides whether a client's socket is read: it is paused while the client owes its rate limit, or
 * while any client it sends to has a full queue. Pausing reads pushes back through TCP to the
 * sender instead of dropping anything. Used only from the channel's event loop.
 */
final class ReadGate {
  private final Channel channel;
  private final Set<ServerSession> blockedOn = new HashSet<>();
  private boolean rateLimited;

  ReadGate(Channel channel) {
    this.channel = channel;
  }

  void rateLimited(boolean limited) {
    rateLimited = limited;
    update();
  }

  boolean isRateLimited() {
    return rateLimited;
  }

  /** Returns true if newly blocked on {@code destination}. */
  boolean blockOn(ServerSession destination) {
    boolean added = blockedOn.add(destination);
    update();
    return added;
  }

  void unblockFrom(ServerSession destination) {
    if (blockedOn.remove(destination)) {
      update();
    }
  }

  boolean isPaused() {
    return rateLimited || !blockedOn.isEmpty();
  }

  private void update() {
    boolean read = !isPaused();
    if (channel.config().isAutoRead() != read) {
      channel.config().setAutoRead(read);
    }
  }
}
