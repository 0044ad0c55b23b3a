package dev.p2p.relay.internal.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.internal.StunCodec;
import dev.p2p.relay.internal.StunMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * The round's loop over a scripted socket: losses, retransmissions, junk, one server per answer.
 */
class StunRoundTest {
  private static final InetSocketAddress S1 = new InetSocketAddress("198.18.0.10", 3478);
  private static final InetSocketAddress S2 = new InetSocketAddress("198.18.0.11", 3478);

  /**
   * Servers that drop the first {@code drops} requests each and map every sender to a fixed
   * address.
   */
  private static final class ScriptedIo implements DatagramIo {
    final Map<InetSocketAddress, Integer> drops = new HashMap<>();
    final Map<InetSocketAddress, InetSocketAddress> mapped = new HashMap<>();
    final Map<InetSocketAddress, Integer> received = new HashMap<>();
    final Queue<Object[]> inbox = new ArrayDeque<>();

    @Override
    public void send(ByteBuffer datagram, InetSocketAddress to) {
      received.merge(to, 1, Integer::sum);
      if (drops.getOrDefault(to, 0) >= received.get(to)) {
        return; // lost
      }
      StunMessage req = StunCodec.decode(Unpooled.wrappedBuffer(datagram.duplicate()));
      ByteBuf res = StunCodec.bindingSuccess(ByteBufAllocator.DEFAULT, req, mapped.get(to));
      byte[] b = new byte[res.readableBytes()];
      res.readBytes(b);
      res.release();
      byte[] junk = {0, 1, 0, 0, 1, 2, 3};
      inbox.add(new Object[] {to, junk}); // junk from the server first: must be skipped
      inbox.add(new Object[] {to, b});
    }

    @Override
    public InetSocketAddress receive(ByteBuffer into, long timeoutNanos) {
      into.clear();
      Object[] next = inbox.poll();
      if (next == null) {
        java.util.concurrent.locks.LockSupport.parkNanos(Math.min(timeoutNanos, 5_000_000));
        into.flip();
        return null;
      }
      into.put((byte[]) next[1]).flip();
      return (InetSocketAddress) next[0];
    }
  }

  @Test
  void lostRequestsAreRetransmittedAndEachServerGetsItsOwnAnswer() throws Exception {
    // Netty's allocator takes a while to start; inside the round it would delay the scripted
    // answers past the retransmission timer.
    StunCodec.bindingSuccess(
            ByteBufAllocator.DEFAULT,
            StunCodec.decode(Unpooled.wrappedBuffer(StunPackets.bindingRequest(new byte[12]))),
            S1)
        .release();
    ScriptedIo io = new ScriptedIo();
    io.drops.put(S1, 2);
    io.mapped.put(S1, new InetSocketAddress("198.18.0.21", 40000));
    io.mapped.put(S2, new InetSocketAddress("198.18.0.21", 40001));
    List<BindingResult> r =
        StunRound.run(io, List.of(S1, S2), Duration.ofSeconds(5), Duration.ofMillis(100), 7);
    assertEquals(new InetSocketAddress("198.18.0.21", 40000), r.get(0).reflexive().orElseThrow());
    assertEquals(3, r.get(0).sends(), "two lost, the third answered");
    assertTrue(
        r.get(0).rtt().toMillis() >= 100 + 200,
        "rtt counts from the first send: " + r.get(0).rtt());
    assertEquals(new InetSocketAddress("198.18.0.21", 40001), r.get(1).reflexive().orElseThrow());
    assertEquals(1, r.get(1).sends(), r.toString() + io.received);
    assertEquals(3, io.received.get(S1), "no request after the answer");
  }

  @Test
  void aServerThatNeverAnswersGetsMaxSendsAndTheRoundEndsAtTheDeadline() throws Exception {
    ScriptedIo io = new ScriptedIo();
    io.drops.put(S1, Integer.MAX_VALUE);
    long t0 = System.nanoTime();
    List<BindingResult> r =
        StunRound.run(io, List.of(S1), Duration.ofMillis(400), Duration.ofMillis(20), 4);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(BindingResult.Outcome.TIMED_OUT, r.get(0).outcome());
    assertEquals(4, io.received.get(S1), "20, 40, 80 ms apart, then no more");
    assertTrue(ms >= 390 && ms < 2000, "ended after " + ms + " ms");
  }
}
