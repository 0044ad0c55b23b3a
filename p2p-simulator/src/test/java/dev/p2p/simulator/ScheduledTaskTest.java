package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.p2p.api.P2PConnection;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link SimNetwork#schedule}: with or without the connection a task will use, the same run. */
class ScheduledTaskTest {

  private static SimNetwork network() {
    return SimNetwork.builder()
        .seed(3)
        .failureRate(0)
        .defaultLink(
            new LinkConditions(Duration.ofMillis(10), Duration.ofMillis(5), 0.1, 0.05, 0.1, 0))
        .build();
  }

  @Test
  void tasksRunAtTheirInstantInSchedulingOrderWhateverConnectionTheyName() {
    try (SimNetwork net = network()) {
      SimPair pair = new SimPair(net);
      long start = net.now().toNanos();
      List<String> ran = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        int n = i;
        Duration delay = Duration.ofMillis(i % 2 == 0 ? 5 : 3);
        Runnable task = () -> ran.add(n + "@" + (net.now().toNanos() - start));
        switch (i % 3) {
          case 0 -> net.schedule(delay, task);
          case 1 -> net.schedule(delay, pair.aliceToBob, task);
          default -> net.schedule(delay, null, task);
        }
      }
      net.runFor(Duration.ofMillis(10));
      assertEquals(
          List.of("1@3000000", "3@3000000", "5@3000000", "0@5000000", "2@5000000", "4@5000000"),
          ran);
    }
  }

  @Test
  void aConnectionNotOfTheSimulatorOrClosedIsOnlyAHint() {
    try (SimNetwork net = network()) {
      SimPair pair = new SimPair(net);
      P2PConnection foreign =
          (P2PConnection)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {P2PConnection.class},
                  (proxy, method, args) -> {
                    throw new AssertionError("the simulator called " + method.getName());
                  });
      pair.aliceToBob.close();
      net.runUntilIdle();
      List<String> ran = new ArrayList<>();
      net.schedule(Duration.ofMillis(1), foreign, () -> ran.add("foreign"));
      net.schedule(Duration.ofMillis(1), pair.aliceToBob, () -> ran.add("closed"));
      net.runFor(Duration.ofMillis(1));
      assertEquals(List.of("foreign", "closed"), ran);
      assertThrows(
          IllegalArgumentException.class,
          () -> net.schedule(Duration.ofMillis(-1), pair.bobFromAlice, () -> {}));
    }
  }

  /** A workload whose sends come from tasks; naming the connection must not change one event. */
  private static String sendFromTasks(boolean nameTheConnection) {
    try (SimNetwork net = network()) {
      SimPair pair = new SimPair(net);
      List<byte[]> got = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        byte[] m = SimPair.message(i, 64 + i % 7);
        Runnable send = () -> pair.aliceToBob.send(m);
        Duration at = Duration.ofMillis(i / 3);
        if (nameTheConnection) {
          net.schedule(at, pair.aliceToBob, send);
        } else {
          net.schedule(at, send);
        }
      }
      net.runUntilIdle();
      for (long i = pair.bobFromAlice.stats().messagesReceived(); i > 0; i--) {
        got.add(net.await(pair.bobFromAlice.recv()));
      }
      assertEquals(300, got.size());
      for (int i = 0; i < got.size(); i++) {
        assertEquals(i, SimPair.index(got.get(i)));
      }
      return net.traceHash() + " " + net.eventsRun() + " " + net.now();
    }
  }

  @Test
  void namingTheConnectionChangesNothingInTheRun() {
    assertEquals(sendFromTasks(false), sendFromTasks(true));
  }
}
