package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whatever bytes a WebSocket message holds, the relay's frame decoder yields a frame or a {@link
 * RelayProtocolException} with a reason; never anything else, never moves the input, and frees what
 * it retains. Plain {@code mvn verify} runs the inputs under {@code
 * src/test/resources/dev/p2p/relay/internal/RelayFrameDecoderFuzzTestInputs/} (regression mode);
 * {@code JAZZER_FUZZ=1} fuzzes for real.
 */
@ExtendWith(NettyLeakCheck.class)
class RelayFrameDecoderFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void decodeArbitraryBytes(byte[] input) {
    ByteBuf in = Unpooled.buffer(input.length).writeBytes(input);
    try {
      RelayFrame f = RelayFrameCodec.decode(in, 4096);
      assertEquals(0, in.readerIndex(), "decode must not consume");
      ByteBuf again = encode(f);
      try {
        RelayFrame g = RelayFrameCodec.decode(again, 4096);
        assertEquals(f.getClass(), g.getClass());
        release(g);
      } finally {
        again.release();
      }
      release(f);
    } catch (RelayProtocolException e) {
      assertNotNull(e.reason());
      assertTrue(
          e.reason() == CloseReason.PROTOCOL_ERROR || e.reason() == CloseReason.TOO_LARGE,
          e.reason().toString());
    }
    assertEquals(1, in.refCnt(), "a decoded packet's payload was not released");
    in.release();
  }

  private static ByteBuf encode(RelayFrame f) {
    ByteBufAllocator a = ByteBufAllocator.DEFAULT;
    if (f instanceof RelayFrame.Challenge c) {
      return RelayFrameCodec.challenge(a, c.challenge());
    } else if (f instanceof RelayFrame.Login l) {
      return RelayFrameCodec.login(a, l.peer(), l.signature(), l.token());
    } else if (f instanceof RelayFrame.Welcome w) {
      return RelayFrameCodec.welcome(
          a,
          w.maxPacketSize(),
          w.pingIntervalMillis(),
          w.idleTimeoutMillis(),
          w.queuePackets(),
          w.stunPort());
    } else if (f instanceof RelayFrame.Reason r) {
      return RelayFrameCodec.reason(a, r.reason(), r.message());
    } else if (f instanceof RelayFrame.Packet p) {
      return RelayFrameCodec.packet(a, p.outgoing(), p.peer(), p.payload());
    } else if (f instanceof RelayFrame.Batch b) {
      ByteBuf header = RelayFrameCodec.batchHeader(a, b.outgoing(), b.peer(), b.segmentSize());
      return header.writeBytes(b.payload(), b.payload().readerIndex(), b.payload().readableBytes());
    } else if (f instanceof RelayFrame.PeerGone g) {
      return RelayFrameCodec.peerGone(a, g.peer());
    } else if (f instanceof RelayFrame.Ping p) {
      return RelayFrameCodec.ping(a, p.data());
    } else {
      return RelayFrameCodec.pong(a, ((RelayFrame.Pong) f).data());
    }
  }

  private static void release(RelayFrame f) {
    if (f instanceof RelayFrame.Packet p) {
      p.payload().release();
    } else if (f instanceof RelayFrame.Batch b) {
      b.payload().release();
    }
  }
}
