package dev.p2p.simulator;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;

/** Two peers of one network with a connection between them, for tests. */
final class SimPair {
  final SimNetwork net;
  final P2PProvider alice;
  final P2PProvider bob;
  final P2PListener listener;
  final P2PConnection aliceToBob;
  final P2PConnection bobFromAlice;

  SimPair(SimNetwork net, NatType aliceNat, NatType bobNat) {
    this.net = net;
    this.alice = net.newPeer("alice", aliceNat);
    this.bob = net.newPeer("bob", bobNat);
    this.listener = net.await(bob.listen("bob"));
    this.aliceToBob = net.await(alice.connect(bob.localPeerId()));
    this.bobFromAlice = net.await(listener.accept());
  }

  SimPair(SimNetwork net) {
    this(net, NatType.OPEN, NatType.OPEN);
  }

  static byte[] message(int index, int size) {
    byte[] m = new byte[Math.max(size, 4)];
    m[0] = (byte) (index >>> 24);
    m[1] = (byte) (index >>> 16);
    m[2] = (byte) (index >>> 8);
    m[3] = (byte) index;
    for (int i = 4; i < m.length; i++) {
      m[i] = (byte) (index * 31 + i);
    }
    return m;
  }

  static int index(byte[] m) {
    return ((m[0] & 0xff) << 24) | ((m[1] & 0xff) << 16) | ((m[2] & 0xff) << 8) | (m[3] & 0xff);
  }
}
