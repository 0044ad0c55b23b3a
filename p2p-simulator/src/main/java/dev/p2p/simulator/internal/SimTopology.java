package dev.p2p.simulator.internal;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.PathType;
import dev.p2p.api.PeerId;
import dev.p2p.simulator.LinkConditions;
import dev.p2p.simulator.NatType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who is on the simulated network and how they reach each other: the peer registry, the links and
 * their faults, and which path (direct or relayed) two NATs allow. Guarded by the clock's lock;
 * nothing here is on the per-packet path, which reads the {@link LinkTable} directly.
 */
public final class SimTopology {
  private final SimCore core;
  private final LinkTable links;
  private final Map<PeerId, PeerSlot> slotsById = new HashMap<>();
  private final Map<String, PeerSlot> slotsByName = new HashMap<>();
  private final List<PeerSlot> slots = new ArrayList<>();
  private final BirthdayProbing birthday = new BirthdayProbing();
  private long nextConnectionId = 1;

  SimTopology(SimCore core, LinkTable links) {
    this.core = core;
    this.links = links;
  }

  // ---- peers -------------------------------------------------------------------------------

  public SimPeer newPeer(String name, NatType nat) {
    core.enter();
    try {
      if (core.closed()) {
        throw new ConnectionClosedException("the simulated network is closed");
      }
      if (slotsByName.containsKey(name)) {
        throw new IllegalArgumentException(
            "a peer named '" + name + "' already exists; use restart to bring it back");
      }
      PeerSlot slot =
          new PeerSlot(slots.size(), name, DerivedKeys.peerId(core.settings.seed(), name), nat);
      slots.add(slot);
      slotsByName.put(name, slot);
      slotsById.put(slot.id, slot);
      slot.current = new SimPeer(core, slot);
      return slot.current;
    } finally {
      core.exit();
    }
  }

  public void crash(PeerId id) {
    core.enter();
    try {
      PeerSlot slot = slot(id);
      if (slot.up()) {
        slot.current.crash();
        faultsChanged();
      }
    } finally {
      core.exit();
    }
  }

  public SimPeer restart(PeerId id) {
    core.enter();
    try {
      PeerSlot slot = slot(id);
      if (slot.up()) {
        slot.current.crash();
      }
      slot.incarnation++;
      slot.current = new SimPeer(core, slot);
      faultsChanged();
      return slot.current;
    } finally {
      core.exit();
    }
  }

  public void setNat(PeerId id, NatType nat) {
    core.enter();
    try {
      slot(id).nat = nat;
    } finally {
      core.exit();
    }
  }

  public NatType nat(PeerId id) {
    core.enter();
    try {
      return slot(id).nat;
    } finally {
      core.exit();
    }
  }

  PeerSlot slot(PeerId id) {
    PeerSlot slot = slotsById.get(id);
    if (slot == null) {
      throw new IllegalArgumentException("no simulated peer " + id.shortString());
    }
    return slot;
  }

  PeerSlot find(PeerId id) {
    return slotsById.get(id);
  }

  long nextConnectionId() {
    return nextConnectionId++;
  }

  /** Ends every running peer. Lock held. */
  void shutDownAll(ConnectionClosedException why) {
    for (PeerSlot slot : slots) {
      if (slot.current != null) {
        slot.current.shutdown(why);
      }
    }
  }

  // ---- links and faults ----------------------------------------------------------------------

  public void setLink(PeerId from, PeerId to, LinkConditions conditions) {
    core.enter();
    try {
      links.set(slot(from), slot(to), conditions);
    } finally {
      core.exit();
    }
  }

  public LinkConditions link(PeerId from, PeerId to) {
    core.enter();
    try {
      return links.conditions(slot(from), slot(to));
    } finally {
      core.exit();
    }
  }

  public void block(Set<PeerId> from, Set<PeerId> to) {
    core.enter();
    try {
      for (PeerId f : from) {
        for (PeerId t : to) {
          links.cut(slot(f), slot(t));
        }
      }
      faultsChanged();
    } finally {
      core.exit();
    }
  }

  public void unblock(Set<PeerId> from, Set<PeerId> to) {
    core.enter();
    try {
      for (PeerId f : from) {
        for (PeerId t : to) {
          links.restore(slot(f), slot(t));
        }
      }
    } finally {
      core.exit();
    }
  }

  public void healAll() {
    core.enter();
    try {
      links.restoreAll();
    } finally {
      core.exit();
    }
  }

  /** True if keep-alives between the two could get through both ways right now. */
  boolean healthy(PeerSlot a, PeerSlot b) {
    return a.up() && b.up() && !links.isCut(a, b) && !links.isCut(b, a);
  }

  /** A fault appeared: connections that cross it start keep-alives so they notice if it lasts. */
  private void faultsChanged() {
    for (PeerSlot slot : slots) {
      if (slot.up()) {
        slot.current.checkConnectionHealth();
      }
    }
  }

  // ---- paths -------------------------------------------------------------------------------

  /** The path a new connection starts on, given the two NATs. */
  PathType initialPath(PeerSlot a, PeerSlot b) {
    return a.nat == NatType.OPEN && b.nat == NatType.OPEN ? PathType.DIRECT : PathType.RELAYED;
  }

  boolean canPunch(PeerSlot a, PeerSlot b) {
    return NatType.canPunch(a.nat, b.nat);
  }

  /** True if only birthday probing joins these two NATs (see {@link BirthdayProbing}). */
  boolean needsBirthday(PeerSlot a, PeerSlot b) {
    return BirthdayProbing.needed(a.nat, b.nat);
  }

  /**
   * For a pairing that {@link #needsBirthday}: when {@code local}'s end of the connection moves to
   * the direct path, counted from the first attempt; null if every attempt misses.
   */
  BirthdayProbing.Hit birthdayHit(PeerSlot local, PeerSlot remote, long connectionId) {
    return birthday.firstHit(
        core.settings.seed(),
        connectionId,
        local.nat == NatType.SYMMETRIC,
        nominalRtt(local, remote, PathType.DIRECT));
  }

  /** Tests only: birthday probing's per-attempt success probability, for connections made next. */
  public void birthdayProbability(double p) {
    core.enter();
    try {
      birthday.probability(p);
    } finally {
      core.exit();
    }
  }

  /** The nominal round trip between two peers on a path, before any queueing. */
  long nominalRtt(PeerSlot a, PeerSlot b, PathType path) {
    long relay = path == PathType.RELAYED ? core.settings.relayLatency().toNanos() : 0;
    return links.conditions(a, b).latency().toNanos()
        + links.conditions(b, a).latency().toNanos()
        + 2 * relay;
  }
}
