package dev.p2p.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The forwarder must pair connections in the order the clients opened them, whatever order its
 * event loops initialise them in; a wrong pairing sends a pair's first message to another pair's
 * acceptor, and the benchmark waiting for it hangs.
 */
class ForwarderPairingTest {
  @Test
  void everyPairReachesItsOwnAcceptorWhenPairsOpenBackToBack() throws Exception {
    try (ForwarderBenchTransport forwarder = new ForwarderBenchTransport()) {
      List<BenchPair> pairs = new ArrayList<>();
      try {
        // Like the benchmark: long-lived pairs opened at setup, then many short ones.
        for (int i = 0; i < 300; i++) {
          pairs.add(forwarder.connect());
        }
        for (int i = 0; i < pairs.size(); i++) {
          BenchPair pair = pairs.get(i);
          byte[] tag = ByteBuffer.allocate(4).putInt(i).array();
          pair.dialler().send(tag);
          byte[] got = pair.acceptor().recv().get(10, TimeUnit.SECONDS);
          assertArrayEquals(tag, got, "pair " + i + " received another pair's message");
        }
      } finally {
        pairs.forEach(BenchPair::close);
      }
    }
  }
}
