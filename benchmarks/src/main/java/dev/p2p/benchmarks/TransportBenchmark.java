package dev.p2p.benchmarks;

import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Every transport side by side on loopback: bulk throughput of reliable messages, the round trip of
 * a small message, and the time to connect and deliver a first message.
 *
 * <p>{@code tcp-forwarder} is the reference point (client ↔ plain byte forwarder ↔ client, the same
 * length-prefixed framing and client-side costs); a provider joins by adding its name to {@link
 * #transport} and a case to {@link BenchTransport#create(String)}.
 *
 * <ul>
 *   <li>{@code throughput1KiB}, {@code throughput64KiB}: score in MiB/s (one operation = 1 MiB sent
 *       with back-pressure and received by the other side).
 *   <li>{@code roundTrip64B}: one 64-byte message there and echoed back (sample time: mean, p50,
 *       p99).
 *   <li>{@code connectAndFirstMessage}: open a connection, deliver one 64-byte message, close both
 *       ends (close returns at once).
 * </ul>
 */
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class TransportBenchmark {
  private static final int MIB = 1024 * 1024;
  private static final int BATCH_MIB = 4;

  @Param({"tcp-forwarder", "tunnel", "quic", "quic-nohold", "relay", "raw-quic"})
  public String transport;

  private BenchTransport bench;
  private BenchPair bulk;
  private Sink sink;
  private BenchPair echo;
  private long sinkTarget;

  private final byte[] message1KiB = filled(1024);
  private final byte[] message64KiB = filled(64 * 1024);
  private final byte[] message64B = filled(64);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    bench = BenchTransport.create(transport);
    bulk = bench.connect();
    sink = new Sink(bulk.acceptor());
    echo = bench.connect();
    startEcho(echo.acceptor());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    bulk.close();
    echo.close();
    bench.close();
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BATCH_MIB)
  public void throughput1KiB() {
    sendBatch(message1KiB);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @OperationsPerInvocation(BATCH_MIB)
  public void throughput64KiB() {
    sendBatch(message64KiB);
  }

  /** Sends {@link #BATCH_MIB} MiB honouring back-pressure, then waits until all arrived. */
  private void sendBatch(byte[] message) {
    int count = BATCH_MIB * MIB / message.length;
    BenchEndpoint out = bulk.dialler();
    for (int i = 0; i < count; i++) {
      CompletableFuture<Void> accepted = out.send(message);
      if (!accepted.isDone()) {
        Waits.get(accepted);
      }
    }
    sinkTarget += (long) count * message.length;
    Waits.get(sink.whenReceived(sinkTarget));
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte[] roundTrip64B() {
    BenchEndpoint out = echo.dialler();
    CompletableFuture<byte[]> reply = out.recv();
    out.send(message64B);
    return Waits.get(reply);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public byte[] connectAndFirstMessage() throws Exception {
    try (BenchPair pair = bench.connect()) {
      CompletableFuture<byte[]> first = pair.acceptor().recv();
      pair.dialler().send(message64B);
      return Waits.get(first);
    }
  }

  /** Echoes every message back, on the endpoint's own I/O thread. */
  private static void startEcho(BenchEndpoint endpoint) {
    endpoint
        .recv()
        .thenCompose(endpoint::send)
        .whenComplete(
            (v, e) -> {
              if (e == null) {
                startEcho(endpoint);
              }
            });
  }

  private static byte[] filled(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 0x5a);
    return b;
  }

  /** Receives forever, counting bytes, and completes a future when a byte count is reached. */
  private static final class Sink {
    private final BenchEndpoint endpoint;
    private long received; // guarded by this
    private long target = Long.MAX_VALUE;
    private CompletableFuture<Void> reached;

    Sink(BenchEndpoint endpoint) {
      this.endpoint = endpoint;
      pump();
    }

    synchronized CompletableFuture<Void> whenReceived(long bytes) {
      if (received >= bytes) {
        return CompletableFuture.completedFuture(null);
      }
      target = bytes;
      reached = new CompletableFuture<>();
      return reached;
    }

    // A loop, not recursion: recv() may complete at once many times in a row.
    private void pump() {
      while (true) {
        CompletableFuture<byte[]> next = endpoint.recv();
        if (!next.isDone()) {
          next.whenComplete(
              (m, e) -> {
                if (e == null) {
                  count(m);
                  pump();
                }
              });
          return;
        }
        count(next.join());
      }
    }

    private void count(byte[] message) {
      CompletableFuture<Void> done = null;
      synchronized (this) {
        received += message.length;
        if (received >= target) {
          done = reached;
          target = Long.MAX_VALUE;
        }
      }
      if (done != null) {
        done.complete(null);
      }
    }
  }
}
