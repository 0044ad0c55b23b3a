package dev.p2p.tunnel.server;

import static dev.p2p.tunnel.server.TestPeers.peer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionFailedException;
import dev.p2p.api.PeerId;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RelayManagerTest {
  private final PeerId a = peer(1);
  private final PeerId b = peer(2);
  private final PeerId c = peer(3);
  private final FakeTicker ticker = new FakeTicker();
  private final RelayManager relay = RelayManager.builder().ticker(ticker).build();

  @Test
  void connectionIdsAreUniqueAndNeverZero() {
    Set<Long> ids = new HashSet<>();
    for (int port = 0; port < 100; port++) {
      long id =
          relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORKING_SOCKETS, port, 0).id();
      assertNotEquals(0, id);
      assertTrue(ids.add(id), "duplicate id " + id);
    }
    assertEquals(100, relay.getActiveConnectionCount());
  }

  @Test
  void createOrGetIsBidirectional() {
    RelayConnection ab = relay.createOrGetConnection(a, b, 7, ConnectionType.NETWORK_OLD);
    RelayConnection ba = relay.createOrGetConnection(b, a, 7, ConnectionType.NETWORK_OLD);
    assertEquals(ab.id(), ba.id());
    assertEquals(a, ba.initiator(), "the first request's sender stays the initiator");
    assertEquals(RelayConnectionState.CONNECTING, ab.state());
    assertEquals(1, relay.getStatistics().connectionsCreated());
  }

  @Test
  void typesAndPortsAreSeparateConnections() {
    long old = relay.createOrGetConnection(a, b, 7, ConnectionType.NETWORK_OLD).id();
    long pb = relay.createOrGetConnection(a, b, 7, ConnectionType.NETWORK_PB).id();
    long port5 = relay.createOrGetConnection(a, b, 7, ConnectionType.NETWORK_PB, 5, 2).id();
    assertEquals(3, Set.of(old, pb, port5).size());
    RelayConnection withPort = relay.getConnection(port5).orElseThrow();
    assertEquals(5, withPort.virtualPort());
    assertEquals(2, withPort.channel());
    assertEquals(ConnectionType.NETWORK_PB, withPort.type());
  }

  @Test
  void differentAppIdsAreNeverTheSameConnection() {
    RelayConnection app1 = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB);
    RelayConnection app2 = relay.createOrGetConnection(b, a, 2, ConnectionType.NETWORK_PB);
    assertNotEquals(app1.id(), app2.id());
    assertEquals(1, relay.getConnection(app1.id()).orElseThrow().appId());
    assertEquals(2, relay.getConnection(app2.id()).orElseThrow().appId());
    assertTrue(relay.findConnection(a, b, 1, ConnectionType.NETWORK_PB, 0).isPresent());
    assertFalse(relay.findConnection(a, b, 3, ConnectionType.NETWORK_PB, 0).isPresent());
  }

  @Test
  void findConnectionWorksInBothDirections() {
    long id = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORKING_MESSAGES).id();
    assertEquals(id, relay.findConnection(a, b, ConnectionType.NETWORKING_MESSAGES).get().id());
    assertEquals(id, relay.findConnection(b, a, ConnectionType.NETWORKING_MESSAGES).get().id());
    assertEquals(Optional.empty(), relay.findConnection(a, c, ConnectionType.NETWORKING_MESSAGES));
    assertEquals(Optional.empty(), relay.findConnection(a, b, ConnectionType.NETWORK_OLD));
  }

  @Test
  void stateFollowsTheLifeCycle() {
    long id = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    assertFalse(relay.updateState(id, RelayConnectionState.DISCONNECTING), "not before connected");
    assertTrue(relay.updateState(id, RelayConnectionState.CONNECTED));
    assertFalse(relay.updateState(id, RelayConnectionState.CONNECTING), "no way back");
    assertTrue(relay.updateState(id, RelayConnectionState.DISCONNECTING));
    assertEquals(RelayConnectionState.DISCONNECTING, relay.getConnection(id).orElseThrow().state());
    assertTrue(relay.updateState(id, RelayConnectionState.CLOSED));
    assertEquals(Optional.empty(), relay.getConnection(id));
    assertEquals(RelayConnectionState.CLOSED, relay.getState(id));
    assertFalse(relay.updateState(id, RelayConnectionState.CONNECTED), "unknown after close");
  }

  @Test
  void destinationIsTheOtherEnd() {
    long id = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    assertEquals(Optional.of(b), relay.getDestinationPeer(id, a));
    assertEquals(Optional.of(a), relay.getDestinationPeer(id, b));
    assertEquals(Optional.empty(), relay.getDestinationPeer(id, c), "c is not an end");
    assertEquals(Optional.empty(), relay.getDestinationPeer(id + 1, a), "unknown id");
  }

  @Test
  void packetsAreCountedPerConnectionAndInTotal() {
    long ab = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    long ac = relay.createOrGetConnection(a, c, 1, ConnectionType.NETWORK_PB).id();
    assertTrue(relay.recordPacketRelayed(ab, 100));
    assertTrue(relay.recordPacketRelayed(ab, 50));
    assertTrue(relay.recordPacketRelayed(ac, 7));
    assertFalse(relay.recordPacketRelayed(999, 1000), "unknown ids count nothing");
    assertEquals(2, relay.getConnection(ab).get().packetsRelayed());
    assertEquals(150, relay.getConnection(ab).get().bytesRelayed());
    assertEquals(new RelayStatistics(3, 157, 2, 2, 0), relay.getStatistics());
    relay.closeConnection(ab);
    assertEquals(new RelayStatistics(3, 157, 1, 2, 1), relay.getStatistics(), "totals stay");
  }

  @Test
  void closingAPeerClosesOnlyItsConnections() {
    long ab = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    long ca = relay.createOrGetConnection(c, a, 1, ConnectionType.NETWORK_PB).id();
    long bc = relay.createOrGetConnection(b, c, 1, ConnectionType.NETWORK_PB).id();
    assertEquals(
        List.of(ab, ca), relay.getConnectionsForPeer(a).stream().map(RelayConnection::id).toList());
    List<RelayConnection> closed = relay.closeConnectionsForPeer(a);
    assertEquals(Set.of(ab, ca), Set.of(closed.get(0).id(), closed.get(1).id()));
    assertEquals(List.of(), relay.getConnectionsForPeer(a));
    assertTrue(relay.getConnection(bc).isPresent());
    assertEquals(1, relay.getActiveConnectionCount());
    assertFalse(relay.closeConnection(ab), "already closed");
  }

  @Test
  void aClosedConnectionsKeyCanBeUsedAgain() {
    long first = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    relay.closeConnection(first);
    long second = relay.createOrGetConnection(b, a, 1, ConnectionType.NETWORK_PB).id();
    assertNotEquals(first, second);
    assertEquals(b, relay.getConnection(second).get().initiator());
  }

  @Test
  void staleConnectionsAreCleanedUpWithoutSleeping() {
    RelayManager r =
        RelayManager.builder().ticker(ticker).staleTimeout(Duration.ofMinutes(5)).build();
    long idle = r.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    long busy = r.createOrGetConnection(a, c, 1, ConnectionType.NETWORK_PB).id();
    ticker.advance(Duration.ofMinutes(4));
    r.recordPacketRelayed(busy, 10);
    assertEquals(List.of(), r.cleanupStaleConnections());
    ticker.advance(Duration.ofMinutes(1).plusNanos(1));
    List<RelayConnection> removed = r.cleanupStaleConnections();
    assertEquals(List.of(idle), removed.stream().map(RelayConnection::id).toList());
    assertTrue(r.getConnection(busy).isPresent(), "activity 1 minute ago keeps it");
    ticker.advance(Duration.ofMinutes(5));
    assertEquals(1, r.cleanupStaleConnections().size());
    assertEquals(0, r.getActiveConnectionCount());
    assertEquals(2, r.getStatistics().connectionsClosed());
  }

  @Test
  void stateChangesCountAsActivity() {
    long id = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    ticker.advance(RelayManager.DEFAULT_STALE_TIMEOUT);
    relay.updateState(id, RelayConnectionState.CONNECTED);
    ticker.advance(Duration.ofSeconds(1));
    assertEquals(List.of(), relay.cleanupStaleConnections());
  }

  @Test
  void perPeerLimitHoldsForBothEnds() {
    RelayManager r = RelayManager.builder().maxConnectionsPerPeer(2).build();
    r.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB);
    r.createOrGetConnection(a, c, 1, ConnectionType.NETWORK_PB);
    ConnectionFailedException e =
        assertThrows(
            ConnectionFailedException.class,
            () -> r.createOrGetConnection(a, peer(4), 1, ConnectionType.NETWORK_PB));
    assertTrue(e.getMessage().contains("limit"), e.getMessage());
    assertThrows(
        ConnectionFailedException.class,
        () -> r.createOrGetConnection(peer(5), a, 1, ConnectionType.NETWORK_PB),
        "a is full as a target too");
    // Getting an existing connection is not a new one.
    assertEquals(
        r.findConnection(a, b, ConnectionType.NETWORK_PB).get().id(),
        r.createOrGetConnection(b, a, 1, ConnectionType.NETWORK_PB).id());
    // Other peers are unaffected.
    r.createOrGetConnection(peer(4), peer(5), 1, ConnectionType.NETWORK_PB);
    assertEquals(3, r.getActiveConnectionCount());
  }

  @Test
  void shutdownClosesEverythingAndReportsTotals() {
    long id = relay.createOrGetConnection(a, b, 1, ConnectionType.NETWORK_PB).id();
    relay.recordPacketRelayed(id, 42);
    RelayStatistics stats = relay.shutdown();
    assertEquals(new RelayStatistics(1, 42, 0, 1, 1), stats);
    assertEquals(0, relay.getActiveConnectionCount());
  }
}
