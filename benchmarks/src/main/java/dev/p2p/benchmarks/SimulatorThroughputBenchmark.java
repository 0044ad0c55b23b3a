package dev.p2p.benchmarks;

import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.P2PProvider;
import dev.p2p.simulator.LinkConditions;
import dev.p2p.simulator.SimNetwork;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Reliable 64-byte messages delivered per second of wall time, one peer pair, no loss (goal: at
 * least 2,000,000). One operation = one message sent, carried across the simulated link with its
 * acknowledgement, and received by the application.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Thread)
public class SimulatorThroughputBenchmark {
  private static final int BATCH = 1000;
  private final byte[] message = new byte[64];
  private SimNetwork net;
  private P2PConnection sender;
  private P2PConnection receiver;

  @Setup(Level.Trial)
  public void setUp() {
    net =
        SimNetwork.builder()
            .seed(1)
            .failureRate(0)
            .defaultLink(LinkConditions.PERFECT.withLatency(Duration.ofMillis(1)))
            .build();
    P2PProvider a = net.newPeer("a");
    P2PProvider b = net.newPeer("b");
    P2PListener listener = net.await(b.listen("b"));
    sender = net.await(a.connect(b.localPeerId()));
    receiver = net.await(listener.accept());
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public void reliable64ByteMessages(Blackhole hole) {
    for (int i = 0; i < BATCH; i++) {
      sender.send(message);
    }
    net.runUntilIdle();
    for (int i = 0; i < BATCH; i++) {
      byte[] got = receiver.recv().getNow(null);
      if (got == null) {
        throw new IllegalStateException("message " + i + " of the batch was not delivered");
      }
      hole.consume(got);
    }
  }
}
