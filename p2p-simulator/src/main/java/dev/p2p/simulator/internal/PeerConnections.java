package dev.p2p.simulator.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A peer's connection ends in the order they were made, linked through the ends themselves. Adding
 * and removing touch no map: with a connection per message, hash-map buckets, boxed ids and entries
 * were chains of cold objects at every connect and close.
 */
final class PeerConnections {
  private SimConnection first;
  private SimConnection last;

  void add(SimConnection c) {
    c.previousOnPeer = last;
    c.nextOnPeer = null;
    if (last == null) {
      first = c;
    } else {
      last.nextOnPeer = c;
    }
    last = c;
  }

  /** Nothing happens if {@code c} is not in the list. */
  void remove(SimConnection c) {
    if (c.previousOnPeer == null && first != c) {
      return;
    }
    if (c.previousOnPeer == null) {
      first = c.nextOnPeer;
    } else {
      c.previousOnPeer.nextOnPeer = c.nextOnPeer;
    }
    if (c.nextOnPeer == null) {
      last = c.previousOnPeer;
    } else {
      c.nextOnPeer.previousOnPeer = c.previousOnPeer;
    }
    c.previousOnPeer = null;
    c.nextOnPeer = null;
  }

  /** A copy, so the caller may close connections while walking it. */
  List<SimConnection> snapshot() {
    List<SimConnection> all = new ArrayList<>();
    for (SimConnection c = first; c != null; c = c.nextOnPeer) {
      all.add(c);
    }
    return all;
  }

  void clear() {
    SimConnection c = first;
    while (c != null) {
      SimConnection next = c.nextOnPeer;
      c.previousOnPeer = null;
      c.nextOnPeer = null;
      c = next;
    }
    first = null;
    last = null;
  }
}
