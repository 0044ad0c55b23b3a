package dev.p2p.simulator.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds every packet fate and delivery into a 128-bit digest, and optionally keeps the last lines
 * of a readable log for a failing test to print. The digest is a cheap mixing function, not a
 * cryptographic hash: it only has to tell two runs apart.
 */
final class TraceRecorder {
  private final int capacity;
  private final ArrayDeque<String> lines;
  private long h1 = 0x6a09e667f3bcc908L;
  private long h2 = 0xbb67ae8584caa73bL;
  private long count;

  TraceRecorder(int capacity) {
    this.capacity = capacity;
    this.lines = new ArrayDeque<>(Math.min(capacity, 1024));
  }

  /** A packet put on the wire, and what the link did with it. */
  void packet(long now, Packet p, int fate, long arrival) {
    record(now, p.kind, p.connectionId, p.seq, p.payloadSize(), fate, arrival);
    if (capacity > 0) {
      String what =
          fate == SimCore.FATE_LOST
              ? "LOST"
              : (fate == SimCore.FATE_DUPLICATED ? "DUPLICATED" : "arrives")
                  + " at "
                  + SimClock.format(arrival);
      log(
          SimClock.format(now)
              + " "
              + p.from.name
              + "->"
              + p.to.name
              + " conn="
              + p.connectionId
              + " "
              + Packet.kindName(p.kind)
              + " seq="
              + p.seq
              + " size="
              + p.payloadSize()
              + " "
              + what);
    }
  }

  /**
   * A message handed to the application; {@code atIndex} is {@code at.index}, passed on so the
   * digest does not load the peer's slot, cold at scale, for each message.
   */
  void delivery(long now, PeerSlot at, int atIndex, long connectionId, long seq, int size) {
    record(now, 99, connectionId, seq, size, SimCore.FATE_APP, atIndex);
    if (capacity > 0) {
      log(
          SimClock.format(now)
              + " "
              + at.name
              + " conn="
              + connectionId
              + " delivers seq="
              + seq
              + " size="
              + size);
    }
  }

  private void record(long time, int kind, long conn, long seq, long size, int fate, long extra) {
    mix(time);
    mix(((long) kind << 32) | fate);
    mix(conn);
    mix(seq);
    mix(size);
    mix(extra);
    count++;
  }

  boolean logging() {
    return capacity > 0;
  }

  void log(String line) {
    if (capacity == 0) {
      return;
    }
    if (lines.size() == capacity) {
      lines.removeFirst();
    }
    lines.addLast(line);
  }

  List<String> lines() {
    return new ArrayList<>(lines);
  }

  long events() {
    return count;
  }

  String digest() {
    return String.format(
        "%016x%016x", SimRandom.splitMix(h1 ^ count), SimRandom.splitMix(h2 + count));
  }

  private void mix(long v) {
    h1 = Long.rotateLeft(h1 ^ SimRandom.splitMix(v), 27) * 0x9E3779B97F4A7C15L;
    h2 = (h2 + v) * 0xC2B2AE3D27D4EB4FL ^ (h1 >>> 29);
  }
}
