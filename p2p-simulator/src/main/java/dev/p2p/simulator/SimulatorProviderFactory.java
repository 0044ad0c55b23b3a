package dev.p2p.simulator;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PProvider;
import dev.p2p.api.P2PProviderFactory;
import dev.p2p.simulator.internal.SimPeer;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code P2P_IMPLEMENTATION=simulator}: every provider opened with the same simulator settings
 * joins one shared real-time network in this JVM, so two {@code P2P.open()} calls can reach each
 * other. The network and its clock thread end when its last provider closes.
 *
 * <p>{@code SIMULATOR_P2P_PEER_NAME} names the peer (and so fixes its id); otherwise peers are
 * named {@code peer-1}, {@code peer-2}, ... in the order they are opened.
 */
public final class SimulatorProviderFactory implements P2PProviderFactory {
  public static final String PEER_NAME = "SIMULATOR_P2P_PEER_NAME";

  private static final Map<Map<String, String>, Shared> NETWORKS = new HashMap<>();

  @Override
  public String name() {
    return "simulator";
  }

  /** Lowest of the built-in providers: chosen only when nothing real is on the class path. */
  @Override
  public int priority() {
    return 0;
  }

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public P2PProvider create(P2PConfig config) {
    Map<String, String> key = new HashMap<>(config.asMap());
    key.remove(PEER_NAME);
    key.remove(P2PConfig.IMPLEMENTATION);
    synchronized (NETWORKS) {
      Shared shared = NETWORKS.get(key);
      if (shared == null) {
        shared = new Shared(SimNetwork.realTimeFromConfig(config));
        NETWORKS.put(key, shared);
      }
      String name = config.get(PEER_NAME).orElse("peer-" + (shared.opened + 1));
      P2PProvider peer = shared.network.newPeer(name);
      shared.opened++;
      shared.open++;
      Shared owner = shared;
      ((SimPeer) peer).onClose(() -> release(key, owner));
      return peer;
    }
  }

  private static void release(Map<String, String> key, Shared shared) {
    boolean last;
    synchronized (NETWORKS) {
      last = --shared.open == 0;
      if (last) {
        NETWORKS.remove(key, shared);
      }
    }
    if (last) {
      shared.network.close();
    }
  }

  private static final class Shared {
    final SimNetwork network;
    int opened;
    int open;

    Shared(SimNetwork network) {
      this.network = network;
    }
  }
}
