package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.Delivery;
import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PeerAddress;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import io.netty.handler.codec.quic.QuicChannel;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A request and its answer cost one packet each way: the acknowledgement of the request leaves in
 * the answer's packet ({@link AckPiggyback}), not in a packet of its own. And a message nobody
 * answers is still acknowledged, after the hold.
 */
@ExtendWith(NettyLeakCheck.class)
class AckPiggybackTest {
  private static final int WARM = 50;
  private static final int ROUND_TRIPS = 300;
  private static final long HOLD_MICROS = 20_000;

  /**
   * Counts the QUIC 1-RTT packets a provider's socket sends (each GSO segment as one), not the path
   * layer's probes.
   */
  static final class PacketCounter extends ChannelDuplexHandler {
    final AtomicLong sent = new AtomicLong();

    @Override
    public boolean isSharable() {
      return true;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof DatagramPacket p) {
        ByteBuf content = p.content();
        int segment =
            p instanceof SegmentedDatagramPacket s ? s.segmentSize() : content.readableBytes();
        for (int at = content.readerIndex(); at < content.writerIndex(); at += segment) {
          // QUIC short header: form bit clear, fixed bit set (probes and STUN have neither).
          if ((content.getUnsignedByte(at) & 0xc0) == 0x40) {
            sent.incrementAndGet();
          }
        }
      }
      ctx.write(msg, promise);
    }
  }

  /** Two providers on loopback with a packet counter on each socket. */
  private record Pair(
      QuicP2PProvider dialler,
      QuicP2PProvider listener,
      PacketCounter dialled,
      PacketCounter accepted,
      P2PConnection client,
      P2PConnection server)
      implements AutoCloseable {
    static Pair connect(long holdMicros) throws Exception {
      P2PConfig config =
          P2PConfig.builder().set(QuicSettings.QUIC_ACK_HOLD_US, Long.toString(holdMicros)).build();
      QuicP2PProvider b = QuicP2PProvider.create(config, Ed25519Identity.generate());
      QuicP2PProvider a = QuicP2PProvider.create(config, Ed25519Identity.generate());
      PacketCounter ca = new PacketCounter();
      PacketCounter cb = new PacketCounter();
      a.interposeSocket(() -> ca);
      b.interposeSocket(() -> cb);
      try {
        P2PListener l = b.listen("127.0.0.1:0").get(5, TimeUnit.SECONDS);
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", b.boundAddress().getPort());
        P2PConnection c =
            a.connect(PeerAddress.of(b.localPeerId(), List.of(to))).get(10, TimeUnit.SECONDS);
        P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
        return new Pair(a, b, ca, cb, c, s);
      } catch (Exception | Error e) {
        a.close();
        b.close();
        throw e;
      }
    }

    @Override
    public void close() {
      dialler.close();
      listener.close();
    }
  }

  /**
   * Packets both sides sent per round trip of a 64-byte request and its echo. Also checks that the
   * answer, not the timer, ended each hold: the median round trip stays far below the hold.
   */
  private static double packetsPerRoundTrip(Pair p, Delivery delivery, long holdMicros)
      throws Exception {
    CompletableFuture<Void> echo =
        CompletableFuture.runAsync(
            () -> {
              try {
                for (int i = 0; i < WARM + ROUND_TRIPS; i++) {
                  byte[] m = p.server().recv().get(10, TimeUnit.SECONDS);
                  p.server().send(m, delivery).get(10, TimeUnit.SECONDS);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    byte[] ping = new byte[64];
    long before = 0;
    long[] nanos = new long[ROUND_TRIPS];
    for (int i = 0; i < WARM + ROUND_TRIPS; i++) {
      if (i == WARM) {
        before = p.dialled().sent.get() + p.accepted().sent.get();
      }
      ping[0] = (byte) i;
      long t0 = System.nanoTime();
      p.client().send(ping, delivery).get(10, TimeUnit.SECONDS);
      assertArrayEquals(ping, p.client().recv().get(10, TimeUnit.SECONDS), "echo " + i);
      if (i >= WARM) {
        nanos[i - WARM] = System.nanoTime() - t0;
      }
    }
    long packets = p.dialled().sent.get() + p.accepted().sent.get() - before;
    echo.get(10, TimeUnit.SECONDS);
    java.util.Arrays.sort(nanos);
    long medianMicros = nanos[ROUND_TRIPS / 2] / 1000;
    // Held until the timer, every round trip would take two holds.
    assertTrue(
        holdMicros == 0 || medianMicros < holdMicros / 2,
        "median round trip " + medianMicros + " µs with a hold of " + holdMicros + " µs");
    return (double) packets / ROUND_TRIPS;
  }

  @Test
  void aRequestAndItsAnswerTakeOnePacketEachWay() throws Exception {
    // A hold far longer than an answer takes even on a loaded machine; the default is 50 µs.
    try (Pair p = Pair.connect(HOLD_MICROS)) {
      double reliable = packetsPerRoundTrip(p, Delivery.RELIABLE, HOLD_MICROS);
      // Two carry everything; a few more (receipts, timers, a late answer) are allowed for.
      assertTrue(reliable <= 2.5, "packets per reliable round trip: " + reliable);
    }
  }

  @Test
  void datagramAnswersCarryTheAcknowledgementToo() throws Exception {
    try (Pair p = Pair.connect(HOLD_MICROS)) {
      double unreliable = packetsPerRoundTrip(p, Delivery.UNRELIABLE, HOLD_MICROS);
      assertTrue(unreliable <= 2.5, "packets per unreliable round trip: " + unreliable);
    }
  }

  @Test
  void withoutTheHoldEachAcknowledgementIsAPacketOfItsOwn() throws Exception {
    // What the hold saves, and proof that the count above sees the difference.
    try (Pair p = Pair.connect(0)) {
      double reliable = packetsPerRoundTrip(p, Delivery.RELIABLE, 0);
      assertTrue(reliable >= 3.5, "packets per round trip without the hold: " + reliable);
    }
  }

  @Test
  void aMessageNobodyAnswersIsStillAcknowledged() throws Exception {
    // Shorter than the dialler's probe timeout (at least max_ack_delay, 25 ms): otherwise its
    // retransmission, a new batch, would end the hold, and the timer would go untested.
    long holdMicros = 5_000;
    try (Pair p = Pair.connect(holdMicros)) {
      // Quiet first: the handshake's and the hello's packets are acknowledged and settled.
      Thread.sleep(300);
      QuicChannel quic = ((QuicPeerChannel) p.server()).quic();
      AckPiggyback acks = AckPiggyback.of(quic);
      long timedOutBefore = quic.eventLoop().submit(() -> acks.counts()[2]).get();
      long before = p.accepted().sent.get();
      p.client().send(new byte[64]).get(10, TimeUnit.SECONDS);
      p.server().recv().get(10, TimeUnit.SECONDS);
      // The receiver writes nothing: only the timer ends its hold and lets the ACK go. Without it
      // the connection would stay "in the read batch" and send nothing until a packet came in.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (p.accepted().sent.get() == before && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertTrue(p.accepted().sent.get() > before, "the receiver never acknowledged the message");
      long timedOut = quic.eventLoop().submit(() -> acks.counts()[2]).get();
      assertEquals(timedOutBefore + 1, timedOut, "holds the timer ended");
    }
  }

  @Test
  void aReceiverThatDoesNotAnswerIsNotHeldAgain() throws Exception {
    try (Pair p = Pair.connect(HOLD_MICROS)) {
      Thread.sleep(300);
      QuicChannel quic = ((QuicPeerChannel) p.server()).quic();
      AckPiggyback acks = AckPiggyback.of(quic);
      long heldBefore = quic.eventLoop().submit(() -> acks.counts()[0]).get();
      // One-way messages, each in a batch of its own: the first hold runs out unanswered, and
      // holding the rest would only delay their ACKs.
      int messages = 50;
      for (int i = 0; i < messages; i++) {
        p.client().send(new byte[64]).get(10, TimeUnit.SECONDS);
        p.server().recv().get(10, TimeUnit.SECONDS);
      }
      long held = quic.eventLoop().submit(() -> acks.counts()[0]).get() - heldBefore;
      assertTrue(held <= 2, "batch ends held for a receiver that never answers: " + held);
      // An answer in time turns holding on again (seen by the round trips' median).
      double reliable = packetsPerRoundTrip(p, Delivery.RELIABLE, HOLD_MICROS);
      assertTrue(reliable <= 2.5, "packets per round trip after one-way traffic: " + reliable);
    }
  }
}
