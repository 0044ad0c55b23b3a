package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.p2p.api.ConnectionListener;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStateEvent;
import dev.p2p.api.P2PConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Records a connection's state events and checks they form one unbroken chain ending at CLOSED. */
final class StateRecorder implements ConnectionListener {
  private final P2PConnection connection;
  private final String side;
  private final ConnectionState initial;
  private final List<ConnectionStateEvent> events = new ArrayList<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();

  private StateRecorder(P2PConnection connection, String side) {
    this.connection = connection;
    this.side = side;
    this.initial = connection.state();
  }

  /** Reads the connection's state, then listens; nothing may change it in between. */
  static StateRecorder attach(P2PConnection connection, String side) {
    StateRecorder recorder = new StateRecorder(connection, side);
    connection.addListener(recorder);
    return recorder;
  }

  @Override
  public void stateChanged(ConnectionStateEvent event) {
    synchronized (events) {
      events.add(event);
    }
    if (event.current() == ConnectionState.CLOSED) {
      closed.complete(null);
    }
  }

  /** Completes when a CLOSED event arrives. */
  CompletableFuture<Void> closed() {
    return closed;
  }

  List<ConnectionStateEvent> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /**
   * Checks: each event's previous is the last current (the first one's is the state read when the
   * listener was added), events name the connection's peer, CLOSED is the last event and appears
   * once, and the connection reports CLOSED and not connected.
   */
  void assertEndedClosed() {
    List<ConnectionStateEvent> seen = events();
    ConnectionState last = initial;
    for (int i = 0; i < seen.size(); i++) {
      ConnectionStateEvent event = seen.get(i);
      if (event.previous() != last) {
        fail(
            side
                + ": event "
                + i
                + " "
                + event
                + " has previous "
                + event.previous()
                + " but the state before it was "
                + last
                + "; all events: "
                + seen);
      }
      if (last == ConnectionState.CLOSED) {
        fail(side + ": event after CLOSED: " + event + "; all events: " + seen);
      }
      assertEquals(connection.peerId(), event.peer(), side + ": event.peer() of " + event);
      last = event.current();
    }
    assertEquals(ConnectionState.CLOSED, last, side + ": last state reported; events: " + seen);
    assertEquals(ConnectionState.CLOSED, connection.state(), side + ": state() after close");
    assertFalse(connection.isConnected(), side + ": isConnected() after close");
  }
}
