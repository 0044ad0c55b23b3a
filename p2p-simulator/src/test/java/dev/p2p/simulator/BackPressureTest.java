package dev.p2p.simulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reader that stops reading stalls its sender at the receive window instead of letting buffers
 * grow; when it reads again everything arrives, even if window updates are lost on the way.
 */
class BackPressureTest {
  private static final int SIZE = 64 * 1024;
  private static final int COUNT = 200; // 12.5 MiB, three times the 4 MiB receive window

  @ParameterizedTest
  @ValueSource(doubles = {0, 0.2})
  void slowReaderStallsTheSenderAndLosesNothing(double loss) {
    SimNetwork net =
        SimNetwork.builder()
            .seed(11)
            .failureRate(0)
            .maxMessageSize(1 << 20)
            .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(10)))
            .build();
    SimPair pair = new SimPair(net);
    net.setLinks(
        pair.alice.localPeerId(),
        pair.bob.localPeerId(),
        LinkConditions.PERFECT.withLatency(Duration.ofMillis(10)).withLoss(loss));
    List<CompletableFuture<Void>> sends = new ArrayList<>();
    for (int i = 0; i < COUNT; i++) {
      sends.add(pair.aliceToBob.send(SimPair.message(i, SIZE)));
    }
    net.runFor(Duration.ofMinutes(1));
    long accepted = sends.stream().filter(CompletableFuture::isDone).count();
    // Accepted = in the window: at most 4 MiB of 64 KiB messages, so 64, plus none beyond.
    assertTrue(accepted <= 64, accepted + " sends accepted while nobody reads");
    assertTrue(accepted >= 32, "the window should not shrink to nothing: " + accepted);
    assertTrue(pair.bobFromAlice.stats().bytesReceived() <= 4L << 20, "receiver buffer bounded");

    for (int i = 0; i < COUNT; i++) {
      byte[] got = net.await(pair.bobFromAlice.recv());
      assertEquals(i, SimPair.index(got));
      if (i % 10 == 0) {
        net.runFor(Duration.ofMillis(50)); // a slow reader
      }
    }
    assertTrue(sends.stream().allMatch(f -> f.isDone() && !f.isCompletedExceptionally()));
  }
}
