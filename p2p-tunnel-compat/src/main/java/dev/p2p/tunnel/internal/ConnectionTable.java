package dev.p2p.tunnel.internal;

import dev.p2p.api.PeerId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider's connections, found by the server's connection id (the data path) and by peer and
 * virtual port (which survives a reconnect, when the server hands out new ids). Event loop only,
 * except {@link #size()}.
 */
final class ConnectionTable {
  private record Key(PeerId peer, int virtualPort) {}

  private final Map<Long, TunnelConnection> byId = new ConcurrentHashMap<>();
  private final Map<Key, TunnelConnection> byKey = new ConcurrentHashMap<>();

  TunnelConnection byId(long id) {
    return byId.get(id);
  }

  TunnelConnection byPort(PeerId peer, int virtualPort) {
    return byKey.get(new Key(peer, virtualPort));
  }

  /** Adds a connection under its current id. */
  void add(long id, TunnelConnection c) {
    byId.put(id, c);
    byKey.put(new Key(c.peerId(), c.virtualPort()), c);
  }

  /** Maps a resumed connection's new id. */
  void rebind(long id, TunnelConnection c) {
    byId.put(id, c);
  }

  void remove(TunnelConnection c) {
    long id = c.connectionId();
    if (id != 0) {
      byId.remove(id, c);
    }
    byKey.remove(new Key(c.peerId(), c.virtualPort()), c);
  }

  /** The server went away: its ids mean nothing any more. */
  void clearIds() {
    byId.clear();
  }

  List<TunnelConnection> snapshot() {
    return List.copyOf(byKey.values());
  }

  int size() {
    return byKey.size();
  }
}
