package dev.p2p.tunnel.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import dev.p2p.api.PeerId;
import dev.p2p.tunnel.server.ConnectionType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

class TunnelFrameCodecTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private static PeerId peer(long seed) {
    byte[] key = new byte[32];
    new Random(seed).nextBytes(key);
    return PeerId.fromPublicKey(key);
  }

  private static TunnelFrame roundTrip(TunnelFrame frame) {
    return TunnelFrameCodec.decode(TunnelFrameCodec.encode(ALLOC, frame));
  }

  @Test
  void everyControlFrameRoundTrips() {
    PeerId p = peer(1);
    List<TunnelFrame> frames =
        List.of(
            new TunnelFrame.Register(p, 42, "secret"),
            new TunnelFrame.Challenge(new byte[32]),
            new TunnelFrame.ChallengeResponse(new byte[64]),
            new TunnelFrame.Registered(1 << 20, 60_000),
            new TunnelFrame.ConnectRequest(
                7, 9, p, ConnectionType.NETWORKING_MESSAGES, 3, 4, 5, true),
            new TunnelFrame.ConnectAccepted(7, 9, p, 11),
            new TunnelFrame.FailedConnect(7, 9, p, FailReason.LIMIT_REACHED, "too many"),
            new TunnelFrame.ConnectionEnd(9, "bye"),
            new TunnelFrame.WindowUpdate(9, 1 << 20),
            new TunnelFrame.WindowUpdate(9, 1 << 20, false),
            new TunnelFrame.EndAck(9),
            new TunnelFrame.Reset(9, "discarded"),
            new TunnelFrame.Ping(-1),
            new TunnelFrame.Pong(Long.MAX_VALUE),
            new TunnelFrame.Error(ErrorCode.REPLACED, "again"));
    for (TunnelFrame f : frames) {
      assertEquals(f, roundTrip(f), f.type().toString());
    }
  }

  @Test
  void connectRequestsRoundTripForAnyValues() {
    Gen<ConnectionType> types = integers().between(0, 3).map(i -> ConnectionType.values()[i]);
    qt().withExamples(300)
        .forAll(integers().all(), longs().all(), types, longs().all())
        .checkAssert(
            (req, id, type, next) -> {
              int port = (int) (id >>> 7);
              TunnelFrame f =
                  new TunnelFrame.ConnectRequest(req, id, peer(id), type, port, ~port, next, false);
              assertEquals(f, roundTrip(f));
            });
  }

  @Test
  void stringsRoundTripUpToTheLimit() {
    qt().withExamples(200)
        .forAll(strings().allPossible().ofLengthBetween(0, 300))
        .checkAssert(
            s -> {
              TunnelFrame.ConnectionEnd decoded =
                  (TunnelFrame.ConnectionEnd) roundTrip(new TunnelFrame.ConnectionEnd(1, s));
              // Unpaired surrogates are replaced by UTF-8; everything else survives exactly.
              assertEquals(
                  new String(
                      s.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                      java.nio.charset.StandardCharsets.UTF_8),
                  decoded.reason());
            });
  }

  @Test
  void dataFramesCarryPayloadAndFields() {
    byte[] payload = new byte[1000];
    new Random(3).nextBytes(payload);
    ByteBuf encoded = TunnelFrameCodec.encodeData(ALLOC, 77, 1, 12345, true, payload, 100, 800);
    DataFrame d = (DataFrame) TunnelFrameCodec.decode(encoded);
    try {
      assertEquals(77, d.connectionId());
      assertEquals(1, d.channel());
      assertEquals(12345, d.messageNumber());
      assertTrue(d.last());
      assertEquals(800, d.payloadLength());
      byte[] out = new byte[800];
      d.copyPayload(out, 0);
      assertArrayEquals(java.util.Arrays.copyOfRange(payload, 100, 900), out);
      assertEquals(TunnelProtocol.DATA_HEADER_SIZE + 800, d.frame().readableBytes());
    } finally {
      d.release();
    }
    assertEquals(0, encoded.refCnt(), "the decoded frame owned the buffer");
  }

  @Test
  void unknownVersionIsRefused() {
    ByteBuf raw = TunnelFrameCodec.encodeRaw(ALLOC, 2, FrameType.PING.code(), new byte[8]);
    TunnelProtocolException e =
        assertThrows(TunnelProtocolException.class, () -> TunnelFrameCodec.decode(raw));
    assertEquals(ErrorCode.UNSUPPORTED_VERSION, e.code());
    assertEquals(0, raw.refCnt());
  }

  @Test
  void unknownTypeIsRefused() {
    ByteBuf raw = TunnelFrameCodec.encodeRaw(ALLOC, 1, 0x7E, new byte[3]);
    TunnelProtocolException e =
        assertThrows(TunnelProtocolException.class, () -> TunnelFrameCodec.decode(raw));
    assertEquals(ErrorCode.UNKNOWN_FRAME_TYPE, e.code());
  }

  @Test
  void truncatedAndTrailingBodiesAreMalformed() {
    ByteBuf shortPing = TunnelFrameCodec.encodeRaw(ALLOC, 1, FrameType.PING.code(), new byte[7]);
    assertEquals(
        ErrorCode.MALFORMED_FRAME,
        assertThrows(TunnelProtocolException.class, () -> TunnelFrameCodec.decode(shortPing))
            .code());
    ByteBuf longPing = TunnelFrameCodec.encodeRaw(ALLOC, 1, FrameType.PING.code(), new byte[9]);
    assertEquals(
        ErrorCode.MALFORMED_FRAME,
        assertThrows(TunnelProtocolException.class, () -> TunnelFrameCodec.decode(longPing))
            .code());
  }

  @Test
  void aWindowUpdateWithUnknownFlagsIsMalformed() {
    byte[] body = {0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1, 0x02};
    ByteBuf frame = TunnelFrameCodec.encodeRaw(ALLOC, 1, FrameType.WINDOW_UPDATE.code(), body);
    assertEquals(
        ErrorCode.MALFORMED_FRAME,
        assertThrows(TunnelProtocolException.class, () -> TunnelFrameCodec.decode(frame)).code());
  }

  @Test
  void decoderRefusesAnOversizedFrameFromItsPrefixAlone() {
    EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(4096));
    ByteBuf prefix = Unpooled.buffer().writeInt(1 << 30).writeByte(1).writeByte(0x20);
    DecoderException e = assertThrows(DecoderException.class, () -> ch.writeInbound(prefix));
    assertEquals(ErrorCode.FRAME_TOO_LARGE, ((TunnelProtocolException) e.getCause()).code());
    // Later bytes are discarded, not decoded.
    assertFalse(ch.writeInbound(TunnelFrameCodec.encode(ALLOC, new TunnelFrame.Ping(1))));
    ch.finishAndReleaseAll();
  }

  @Test
  void decoderCutsFramesAcrossArbitraryChunks() {
    ByteBuf stream = Unpooled.buffer();
    for (int i = 0; i < 50; i++) {
      stream.writeBytes(TunnelFrameCodec.encode(ALLOC, new TunnelFrame.Ping(i)));
    }
    EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(4096));
    Random random = new Random(5);
    while (stream.isReadable()) {
      ch.writeInbound(
          stream.readRetainedSlice(Math.min(stream.readableBytes(), 1 + random.nextInt(20))));
    }
    stream.release();
    for (int i = 0; i < 50; i++) {
      assertEquals(new TunnelFrame.Ping(i), ch.readInbound());
    }
    assertFalse(ch.finish());
  }

  @Test
  void decoderDeliversDataFramesWholeAndReleasesEveryBuffer() {
    // Frames lie whole in a read, span two or many reads, or end a read inside their prefix; the
    // decoder slices the first kind and copies only the others, and nothing may leak either way.
    Random random = new Random(11);
    ByteBuf stream = Unpooled.buffer();
    List<byte[]> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 300; i++) {
      byte[] payload = new byte[random.nextInt(3000)];
      random.nextBytes(payload);
      sent.add(payload);
      ByteBuf f = TunnelFrameCodec.encodeData(ALLOC, 7, 0, i, true, payload, 0, payload.length);
      stream.writeBytes(f);
      f.release();
    }
    EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(4096));
    List<ByteBuf> chunks = new java.util.ArrayList<>();
    while (stream.isReadable()) {
      int size = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1 + random.nextInt(9000);
      ByteBuf chunk =
          Unpooled.directBuffer().writeBytes(stream, Math.min(size, stream.readableBytes()));
      chunks.add(chunk);
      ch.writeInbound(chunk);
    }
    stream.release();
    for (int i = 0; i < sent.size(); i++) {
      DataFrame data = ch.readInbound();
      assertEquals(i, data.messageNumber());
      byte[] got = new byte[data.payloadLength()];
      data.copyPayload(got, 0);
      assertArrayEquals(sent.get(i), got);
      data.release();
    }
    assertFalse(ch.finish());
    for (ByteBuf chunk : chunks) {
      assertEquals(0, chunk.refCnt(), "a read's buffer leaked");
    }
  }

  @Test
  void decoderReleasesAFrameCutByTheEndOfTheStream() {
    ByteBuf frame = TunnelFrameCodec.encodeData(ALLOC, 7, 0, 0, true, new byte[100], 0, 100);
    ByteBuf head = frame.readRetainedSlice(50);
    EmbeddedChannel ch = new EmbeddedChannel(new TunnelFrameDecoder(4096));
    ch.writeInbound(head);
    assertFalse(ch.finish(), "half a frame is not a frame");
    assertEquals(1, frame.refCnt(), "the decoder kept a reference to the read");
    frame.release();
  }
}
