package dev.p2p.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.Path;
import dev.p2p.api.PathChangeEvent;
import dev.p2p.api.PeerId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionListenersTest {
  @Test
  void aThrowingListenerIsReportedAndDoesNotStopTheOthers() {
    List<String> seen = new ArrayList<>();
    List<Object> failed = new ArrayList<>();
    ConnectionListeners listeners = new ConnectionListeners((event, e) -> failed.add(event));
    listeners.add(
        new ConnectionListener() {
          @Override
          public void stateChanged(ConnectionStateEvent event) {
            throw new IllegalStateException("boom");
          }
        });
    listeners.add(
        new ConnectionListener() {
          @Override
          public void stateChanged(ConnectionStateEvent event) {
            seen.add("state " + event.current());
          }

          @Override
          public void pathChanged(PathChangeEvent event) {
            seen.add("path " + event.current());
          }
        });
    PeerId peer = PeerId.fromPublicKey(new byte[32]);
    ConnectionStateEvent closing =
        new ConnectionStateEvent(peer, ConnectionState.CONNECTED, ConnectionState.CLOSED, "bye");
    listeners.fire(closing);
    listeners.fire(new PathChangeEvent(peer, Path.relayed(), Path.direct(), "punched"));
    assertEquals(List.of("state CLOSED", "path DIRECT"), seen);
    assertEquals(List.of(closing), failed);
  }
}
