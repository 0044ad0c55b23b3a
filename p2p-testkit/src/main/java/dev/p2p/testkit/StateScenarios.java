package dev.p2p.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConnectionClosedException;
import dev.p2p.api.ConnectionState;
import dev.p2p.api.ConnectionStats;
import dev.p2p.api.MessageTooLargeException;
import dev.p2p.api.P2PConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What connections report about themselves: state events and statistics. */
final class StateScenarios {
  private final Kit kit;

  StateScenarios(Kit kit) {
    this.kit = kit;
  }

  void stateChangesReachListenersAndEndClosed() {
    closeAndWatch(true);
    closeAndWatch(false);
  }

  private void closeAndWatch(boolean diallerCloses) {
    ConnectedPair pair = kit.pair();
    String closer = diallerCloses ? "alice (dialler) closes" : "bob (acceptor) closes";
    for (P2PConnection connection : List.of(pair.dialled(), pair.accepted())) {
      assertEquals(ConnectionState.CONNECTED, connection.state(), closer + ": state() when open");
      assertTrue(connection.isConnected(), closer + ": isConnected() when open");
    }
    StateRecorder alice = StateRecorder.attach(pair.dialled(), closer + ", alice's side");
    StateRecorder bob = StateRecorder.attach(pair.accepted(), closer + ", bob's side");
    (diallerCloses ? pair.dialled() : pair.accepted()).close();
    kit.await(closer + ": alice's side reaching CLOSED", alice.closed());
    kit.await(closer + ": bob's side reaching CLOSED", bob.closed());
    StateRecorder lateAlice = StateRecorder.attach(pair.dialled(), "listener added after CLOSED");
    // More calls after CLOSED give a stray event time to show up before the checks.
    kit.expectFailure(
        closer + ": alice's recv()", pair.dialled()::recv, ConnectionClosedException.class);
    kit.expectFailure(
        closer + ": bob's recv()", pair.accepted()::recv, ConnectionClosedException.class);
    alice.assertEndedClosed();
    bob.assertEndedClosed();
    assertEquals(List.of(), lateAlice.events(), "events after CLOSED to a listener added then");
  }

  void statsAgreeWithTraffic() {
    ConnectedPair pair = kit.pair();
    int max = kit.hooks().maxMessageSize();
    for (P2PConnection connection : List.of(pair.dialled(), pair.accepted())) {
      ConnectionStats fresh = connection.stats();
      assertSane(fresh);
      assertEquals(0, fresh.messagesSent(), "messagesSent before any send " + fresh);
      assertEquals(0, fresh.bytesSent(), "bytesSent (payload only) before any send " + fresh);
      assertEquals(0, fresh.messagesReceived(), "messagesReceived before any send " + fresh);
      assertEquals(0, fresh.bytesReceived(), "bytesReceived before any send " + fresh);
    }
    List<Integer> forth = new ArrayList<>(List.of(0));
    List<Integer> back = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      forth.add(MessageSizes.typical(kit.random(), max));
      back.add(MessageSizes.typical(kit.random(), max));
    }
    // A refused message is not traffic.
    kit.expectFailure(
        "send of maxMessageSize() + 1 bytes",
        () -> pair.dialled().send(new byte[max + 1]),
        MessageTooLargeException.class);
    new ReliableScenarios(kit).exchange(pair, forth, back, 50, 51);

    ConnectionStats alice = pair.dialled().stats();
    ConnectionStats bob = pair.accepted().stats();
    assertSane(alice);
    assertSane(bob);
    assertEquals(forth.size(), alice.messagesSent(), "alice's messagesSent " + alice);
    assertEquals(MessageSizes.sum(forth), alice.bytesSent(), "alice's bytesSent " + alice);
    assertEquals(forth.size(), bob.messagesReceived(), "bob's messagesReceived " + bob);
    assertEquals(MessageSizes.sum(forth), bob.bytesReceived(), "bob's bytesReceived " + bob);
    assertEquals(back.size(), bob.messagesSent(), "bob's messagesSent " + bob);
    assertEquals(MessageSizes.sum(back), bob.bytesSent(), "bob's bytesSent " + bob);
    assertEquals(back.size(), alice.messagesReceived(), "alice's messagesReceived " + alice);
    assertEquals(MessageSizes.sum(back), alice.bytesReceived(), "alice's bytesReceived " + alice);
  }

  /** Bulk bytes each way before the RTT is read: enough for queues and losses to show. */
  static final int RTT_BULK_MESSAGES = 32;

  static final Duration RTT_SLACK = Duration.ofMillis(50);

  /**
   * Small round trips between the bulk and the reading. A standard smoothed estimator (RFC 9002's,
   * TCP's) keeps 7/8 of its value per sample, and its samples honestly include the queueing a burst
   * builds in the path's buffers (on QUIC's relay path, two TCP legs on a loaded machine: 60-160 ms
   * after 2 MiB) and the cold handshake of a fresh JVM; with 64 KiB packets the bulk itself yields
   * too few samples to wash that out. 32 samples of the idle link leave under 2% of it. A provider
   * whose samples always carry extra time (waiting for retransmissions, a constant offset) still
   * fails, and the simulator's lossy case has its own test.
   */
  static final int RTT_SETTLE_ROUND_TRIPS = 32;

  void statsRttStaysNearTheLinkRtt() {
    ConnectedPair pair = kit.pair();
    List<Integer> forth = new ArrayList<>();
    List<Integer> back = new ArrayList<>();
    for (int i = 0; i < RTT_BULK_MESSAGES; i++) {
      forth.add(Math.min(MessageSizes.LARGE, kit.hooks().maxMessageSize()));
      back.add(Math.min(MessageSizes.LARGE, kit.hooks().maxMessageSize()));
    }
    ReliableScenarios reliable = new ReliableScenarios(kit);
    reliable.exchange(pair, forth, back, 52, 53);
    for (int i = 0; i < RTT_SETTLE_ROUND_TRIPS; i++) {
      reliable.exchange(pair, List.of(64), List.of(64), 54, 55);
    }
    Duration link = kit.hooks().linkRtt();
    Duration low = link.dividedBy(2);
    Duration high = link.multipliedBy(2).plus(RTT_SLACK);
    for (P2PConnection connection : List.of(pair.dialled(), pair.accepted())) {
      String side = connection == pair.dialled() ? "alice's" : "bob's";
      Duration rtt = connection.stats().rtt();
      assertTrue(
          rtt.compareTo(Duration.ZERO) > 0,
          side + " stats().rtt() is still zero after a bulk exchange: no RTT was measured");
      assertTrue(
          rtt.compareTo(low) >= 0 && rtt.compareTo(high) <= 0,
          side
              + " stats().rtt() "
              + rtt
              + " is outside ["
              + low
              + ", "
              + high
              + "] for a link of "
              + link
              + " (the linkRtt() hook) after a bulk exchange and "
              + RTT_SETTLE_ROUND_TRIPS
              + " small round trips: samples must exclude time spent waiting for"
              + " retransmissions, and the estimate must follow the idle link again");
    }
  }

  private static void assertSane(ConnectionStats stats) {
    assertNotNull(stats, "stats()");
    assertNotNull(stats.rtt(), "stats().rtt()");
    assertTrue(!stats.rtt().isNegative(), "stats().rtt() must not be negative: " + stats);
    assertTrue(
        stats.packetLoss() >= 0 && stats.packetLoss() <= 1,
        "stats().packetLoss() must be within 0..1: " + stats);
    assertNotNull(stats.path(), "stats().path()");
  }
}
