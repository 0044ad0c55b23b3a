package dev.p2p.quic.internal.path;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * The source connection ids of the connections this provider dialled, and their peer paths. Packets
 * addressed to one of them belong to the client codec; every other packet to the server codec.
 * Event-loop confined.
 */
public final class ClientConnectionIds {
  private final SecureRandom random = new SecureRandom();
  private final Map<ByteBuffer, PeerPath> paths = new HashMap<>();

  public byte[] register(PeerPath path) {
    for (; ; ) {
      byte[] id = new byte[QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH];
      random.nextBytes(id);
      if (paths.putIfAbsent(ByteBuffer.wrap(id), path) == null) {
        return id;
      }
    }
  }

  public void unregister(byte[] id) {
    paths.remove(ByteBuffer.wrap(id));
  }

  public boolean isEmpty() {
    return paths.isEmpty();
  }

  /** The ids of the connections dialled over {@code path}. */
  public java.util.List<byte[]> idsOf(PeerPath path) {
    java.util.List<byte[]> ids = new java.util.ArrayList<>(1);
    for (Map.Entry<ByteBuffer, PeerPath> e : paths.entrySet()) {
      if (e.getValue() == path) {
        ids.add(e.getKey().array());
      }
    }
    return ids;
  }

  /** The path of the dialled connection with this id, or null if the id is not ours. */
  public PeerPath path(ByteBuffer id) {
    return paths.get(id);
  }
}
