package dev.p2p.quic.internal.path;

import dev.p2p.api.PeerId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The path layer's registry: every {@link PeerPath} by its virtual address, by the real direct
 * addresses it uses, by its proven (or dialled) peer id, and by the peer id a relay claimed for it
 * (kept apart: a claim binds nothing until the QUIC handshake proves it). Event-loop confined.
 */
final class PeerPaths {
  /** Bounds what unknown senders can make us remember. */
  static final int MAX_PATHS = 4096;

  /** A path nobody uses is forgotten after this long without a packet. */
  private static final long IDLE_PATH_NANOS = TimeUnit.SECONDS.toNanos(60);

  private final Map<InetSocketAddress, PeerPath> byVirtual = new HashMap<>();
  private final Map<InetSocketAddress, PeerPath> byReal = new HashMap<>();
  private final Map<PeerId, PeerPath> byPeer = new HashMap<>();
  private final Map<PeerId, PeerPath> byClaim = new HashMap<>();
  private final Map<Long, PeerPath> byTag = new HashMap<>();
  private int nextVirtual = 1;

  private static final int VIRTUAL_PORT = 4433;

  Collection<PeerPath> all() {
    return byVirtual.values();
  }

  boolean full() {
    return byVirtual.size() >= MAX_PATHS;
  }

  PeerPath byVirtual(InetSocketAddress virtual) {
    return byVirtual.get(virtual);
  }

  PeerPath byReal(InetSocketAddress real) {
    return byReal.get(real);
  }

  /** The path whose probes carry {@code tag} (ours, random per path). */
  PeerPath byTag(long tag) {
    return byTag.get(tag);
  }

  PeerPath byPeer(PeerId peer) {
    return byPeer.get(peer);
  }

  /** The path for packets a relay says come from {@code claimed}: proven first, then claimed. */
  PeerPath byRelaySource(PeerId claimed) {
    PeerPath p = byPeer.get(claimed);
    return p != null ? p : byClaim.get(claimed);
  }

  void learnReal(InetSocketAddress real, PeerPath path) {
    path.addCandidate(real);
    byReal.putIfAbsent(real, path);
  }

  /** {@code path}'s peer is no longer at {@code real} (its NAT rebound elsewhere). */
  void forgetReal(InetSocketAddress real, PeerPath path) {
    path.removeCandidate(real);
    byReal.remove(real, path);
  }

  /** The path whose virtual address has this host part (connection ids carry it). */
  PeerPath byVirtualHost(InetAddress host) {
    return byVirtual.get(new InetSocketAddress(host, VIRTUAL_PORT));
  }

  /** The path to dial {@code peer} on: its existing one, or a new one over {@code addresses}. */
  PeerPath forDial(PeerId peer, List<InetSocketAddress> addresses) {
    PeerPath path = byPeer.get(peer);
    if (path == null) {
      for (InetSocketAddress a : addresses) {
        PeerPath known = byReal.get(a);
        if (known != null) {
          path = known;
          break;
        }
      }
    }
    if (path == null) {
      path = newPath(addresses);
    }
    for (InetSocketAddress a : addresses) {
      learnReal(a, path);
    }
    path.peer(peer);
    path.newDial();
    byPeer.putIfAbsent(peer, path);
    return path;
  }

  /** A path opened by an Initial that a relay says {@code claimed} sent. */
  PeerPath newClaimed(PeerId claimed) {
    PeerPath path = newPath(List.of());
    path.relayClaim(claimed);
    byClaim.put(claimed, path);
    return path;
  }

  /** Records whose path this is once the handshake has proved it. */
  void bind(PeerId peer, PeerPath path) {
    path.peer(peer);
    byPeer.putIfAbsent(peer, path);
    if (peer.equals(path.relayClaim())) {
      byClaim.remove(peer, path);
    }
  }

  /** A relay's claim for this path proved false: forget it, so it routes nothing more. */
  void dropClaim(PeerPath path) {
    PeerId claim = path.relayClaim();
    if (claim != null) {
      byClaim.remove(claim, path);
      path.relayClaim(null);
    }
  }

  PeerPath newPath(List<InetSocketAddress> addresses) {
    InetSocketAddress virtual;
    do {
      virtual = virtualAddress(nextVirtual);
      nextVirtual = (nextVirtual + 1) & 0x0fff_ffff;
    } while (byVirtual.containsKey(virtual));
    PeerPath path = new PeerPath(virtual, addresses);
    byVirtual.put(virtual, path);
    byTag.put(path.keys.localTag(), path);
    return path;
  }

  /** Forgets paths without users and without traffic for a while; called periodically. */
  void sweep() {
    long now = System.nanoTime();
    Iterator<PeerPath> it = byVirtual.values().iterator();
    while (it.hasNext()) {
      PeerPath p = it.next();
      if (p.users.get() == 0 && now - p.lastActivityNanos > IDLE_PATH_NANOS) {
        it.remove();
        byReal.values().removeIf(v -> v == p);
        byPeer.values().removeIf(v -> v == p);
        byClaim.values().removeIf(v -> v == p);
        byTag.remove(p.keys.localTag());
      }
    }
  }

  /** Virtual addresses come from 240.0.0.0/4, which is reserved and never used on the wire. */
  private static InetSocketAddress virtualAddress(int index) {
    byte[] ip = {
      (byte) (0xf0 | (index >>> 24)), (byte) (index >>> 16), (byte) (index >>> 8), (byte) index
    };
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), VIRTUAL_PORT);
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
