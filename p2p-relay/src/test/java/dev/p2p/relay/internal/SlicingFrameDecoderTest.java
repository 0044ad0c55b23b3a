package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Which payloads pass up as slices of the read buffer and which as copies: on the relay, which
 * queues them, only a big payload that is a good part of its read buffer is a slice, so a queue of
 * small packets never pins a read buffer each; on the client, which consumes them at once, all are.
 */
@ExtendWith(NettyLeakCheck.class)
class SlicingFrameDecoderTest {
  private static final int MAX = 70_000;

  @Test
  void theRelaySlicesABigPacketAndUnmasksItInPlace() {
    byte[] payload = random(65_600);
    Decoded d = decodeOne(SlicingFrameDecoder.forClientFrames(MAX), frame(payload, true), 0);
    assertTrue(d.inReadBuffer, "a slice of the read buffer");
    assertArrayEquals(payload, d.payload);
  }

  @Test
  void theRelayCopiesASmallPacketOutOfABigRead() {
    // 100 bytes, then 64 KiB of a next frame's start in the same read buffer
    byte[] payload = random(100);
    Decoded d = decodeOne(SlicingFrameDecoder.forClientFrames(MAX), frame(payload, true), 64 << 10);
    assertFalse(d.inReadBuffer, "a copy, not a slice pinning a 64 KiB read");
    assertArrayEquals(payload, d.payload);
  }

  @Test
  void theRelayCopiesAPacketUnderAQuarterOfItsRead() {
    byte[] payload = random(5_000);
    Decoded d = decodeOne(SlicingFrameDecoder.forClientFrames(MAX), frame(payload, true), 64 << 10);
    assertFalse(d.inReadBuffer, "5,000 bytes of a 69 KiB read: copied");
    assertArrayEquals(payload, d.payload);
  }

  @Test
  void theClientSlicesEveryPacket() {
    byte[] payload = random(100);
    Decoded d = decodeOne(SlicingFrameDecoder.forRelayFrames(MAX), frame(payload, false), 64 << 10);
    assertTrue(d.inReadBuffer, "a slice: the client consumes it at once");
    assertArrayEquals(payload, d.payload);
  }

  @Test
  void aFrameCutAcrossReadsArrivesWholeAndAReadThatEndsNoFrameAsksForTheNext() {
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new io.netty.channel.ChannelOutboundHandlerAdapter() {
              @Override
              public void read(io.netty.channel.ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
              }
            },
            SlicingFrameDecoder.forClientFrames(MAX));
    ch.config().setAutoRead(false); // as the relay's rate limit leaves it
    byte[] payload = random(65_600);
    byte[] wire = frame(payload, true);
    int[] cuts = {1, 9, 30_000, wire.length};
    int from = 0;
    for (int i = 0; i < cuts.length; i++) {
      reads.set(0);
      ch.writeInbound(Unpooled.directBuffer().writeBytes(wire, from, cuts[i] - from));
      from = cuts[i];
      if (i < cuts.length - 1) {
        assertNull(ch.readInbound(), "not whole yet");
        assertEquals(1, reads.get(), "a read that completes no frame asks for the next");
      }
    }
    BinaryWebSocketFrame f = ch.readInbound();
    assertArrayEquals(payload, ByteBufUtil.getBytes(f.content()));
    assertEquals(0, reads.get(), "a read that completes a frame leaves the next to the reader");
    f.release();
    ch.finishAndReleaseAll();
  }

  /**
   * Feeds {@code frame} and {@code trailing} bytes of the start of a next one (of 65,535 bytes,
   * masked as the first) as one read.
   */
  private static Decoded decodeOne(SlicingFrameDecoder decoder, byte[] frame, int trailing) {
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    ByteBuf read = Unpooled.directBuffer(frame.length + trailing).writeBytes(frame);
    if (trailing > 0) {
      boolean masked = (frame[1] & 0x80) != 0;
      read.writeByte(0x82).writeByte((masked ? 0x80 : 0) | 126).writeShort(0xFFFF);
      read.writeZero(trailing - 4);
    }
    long from = read.memoryAddress();
    long to = from + read.capacity();
    ch.writeInbound(read);
    BinaryWebSocketFrame f = ch.readInbound();
    ByteBuf content = f.content();
    boolean inRead = content.memoryAddress() >= from && content.memoryAddress() < to;
    Decoded d = new Decoded(inRead, ByteBufUtil.getBytes(content));
    f.release();
    ch.finishAndReleaseAll();
    return d;
  }

  /** A decoded payload's bytes, and whether it lay in the read buffer (a slice) or not (a copy). */
  private record Decoded(boolean inReadBuffer, byte[] payload) {}

  private static byte[] frame(byte[] payload, boolean masked) {
    int n = payload.length;
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x82);
    int maskBit = masked ? 0x80 : 0;
    if (n <= 125) {
      b.writeByte(maskBit | n);
    } else if (n <= 0xFFFF) {
      b.writeByte(maskBit | 126).writeShort(n);
    } else {
      b.writeByte(maskBit | 127).writeLong(n);
    }
    int key = 0x1234_5678;
    if (masked) {
      b.writeInt(key);
    }
    for (int i = 0; i < n; i++) {
      b.writeByte(masked ? payload[i] ^ (key >>> (24 - 8 * (i % 4))) : payload[i]);
    }
    byte[] out = ByteBufUtil.getBytes(b);
    b.release();
    return out;
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }
}
