package dev.p2p.quic.internal;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.PathChangeEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records a connection's path and state events, for the path tests' assertions. */
final class PathEventRecorder implements ConnectionListener {
  final List<PathChangeEvent> paths = new CopyOnWriteArrayList<>();
  final List<ConnectionStateEvent> states = new CopyOnWriteArrayList<>();

  static PathEventRecorder on(P2PConnection connection) {
    PathEventRecorder r = new PathEventRecorder();
    connection.addListener(r);
    return r;
  }

  @Override
  public void pathChanged(PathChangeEvent e) {
    paths.add(e);
  }

  @Override
  public void stateChanged(ConnectionStateEvent e) {
    states.add(e);
  }
}
