package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The relay's frame decoder against Netty's, configured as the relay configured Netty's: fed the
 * same bytes in the same read chunks, they yield the same frames (type, FIN bit, unmasked payload)
 * and refuse at the same frame with the same close status, and nothing leaks (paranoid leak
 * detection); with every payload sliced (unmasked in place), every payload copied, and the relay's
 * own choice. A second test does the same for frames from the relay (unmasked), as the relay client
 * decodes them. Where Netty refuses for the state of a fragmented message (the relay's session
 * refuses every fragment itself) or for the UTF-8 of a close frame's reason (the relay closes on
 * any close frame), only the frames before Netty's refusal are compared. The input's first byte
 * picks the read size (1-256 bytes), the rest is the stream from the client, in direct and heap
 * buffers by turns (the relay reads direct ones, unmasked by address). Regression mode on {@code
 * mvn verify} (inputs under {@code src/test/resources/.../SlicingFrameDecoderFuzzTestInputs/});
 * {@code JAZZER_FUZZ=1} fuzzes.
 */
@ExtendWith(NettyLeakCheck.class)
class SlicingFrameDecoderFuzzTest {
  /** Small enough that the fuzzer reaches it with 16-bit lengths, big enough for every form. */
  private static final int MAX_PAYLOAD = 300;

  @FuzzTest(maxDuration = "30s")
  void sameFramesAsNettys(byte[] input) {
    for (int minSlice : new int[] {0, SlicingFrameDecoder.MIN_SLICE, Integer.MAX_VALUE}) {
      compare(input, true, new SlicingFrameDecoder(MAX_PAYLOAD, true, minSlice));
    }
    compare(input, true, SlicingFrameDecoder.forClientFrames(MAX_PAYLOAD));
  }

  @FuzzTest(maxDuration = "30s")
  void sameFramesAsNettysFromTheRelay(byte[] input) {
    compare(input, false, SlicingFrameDecoder.forRelayFrames(MAX_PAYLOAD));
  }

  /** Ours against Netty's decoder expecting masked frames or unmasked ones. */
  private static void compare(byte[] input, boolean masked, ChannelHandler ourDecoder) {
    if (input.length == 0) {
      return;
    }
    int chunk = (input[0] & 0xFF) + 1;
    Outcome netty =
        decode(
            new WebSocket13FrameDecoder(
                WebSocketDecoderConfig.newBuilder()
                    .maxFramePayloadLength(MAX_PAYLOAD)
                    .expectMaskedFrames(masked)
                    .allowMaskMismatch(false)
                    .allowExtensions(false)
                    .closeOnProtocolViolation(false)
                    .withUTF8Validator(false)
                    .build()),
            input,
            chunk);
    Outcome ours = decode(ourDecoder, input, chunk);
    boolean lenient =
        netty.refusal != null
            && (netty.refusal.contains("continuation")
                || netty.refusal.contains("fragmented message")
                || netty.refusal.contains("UTF-8")
                || netty.refusal.contains("bytes are not UTF-8"));
    if (lenient) {
      assertTrue(ours.frames.size() >= netty.frames.size(), ours + " vs Netty's " + netty);
      assertEquals(netty.frames, ours.frames.subList(0, netty.frames.size()));
    } else {
      assertEquals(netty.frames, ours.frames, "ours: " + ourDecoder);
      assertEquals(netty.status, ours.status, "ours: " + ours + ", Netty's: " + netty);
    }
  }

  private static Outcome decode(ChannelHandler decoder, byte[] input, int chunk) {
    EmbeddedChannel ch = new EmbeddedChannel(decoder);
    Outcome o = new Outcome();
    for (int at = 1; at < input.length; at += chunk) {
      int n = Math.min(chunk, input.length - at);
      // Direct reads as the relay gets them (masking by address), heap ones every other read.
      ByteBuf part = (at / chunk) % 2 == 0 ? Unpooled.directBuffer(n) : Unpooled.buffer(n);
      part.writeBytes(input, at, n);
      RuntimeException refused = null;
      try {
        ch.writeInbound(part);
      } catch (io.netty.handler.codec.DecoderException e) {
        refused = e;
      }
      // Frames decoded before a refusal in the same read still reach the next handler.
      for (Object m; (m = ch.readInbound()) != null; ) {
        if (o.status < 0) {
          WebSocketFrame f = (WebSocketFrame) m;
          o.frames.add(
              f.getClass().getSimpleName()
                  + (f.isFinalFragment() ? " fin " : " more ")
                  + ByteBufUtil.hexDump(f.content()));
        }
        ReferenceCountUtil.release(m);
      }
      if (refused != null && o.status < 0) {
        // 0: refused, but not as a WebSocket protocol error
        o.status =
            refused instanceof CorruptedWebSocketFrameException c ? c.closeStatus().code() : 0;
        o.refusal = refused.getMessage();
      }
    }
    ch.finishAndReleaseAll();
    return o;
  }

  private static final class Outcome {
    final List<String> frames = new ArrayList<>();
    int status = -1; // the close status of the refusal, -1 if none
    String refusal;

    @Override
    public String toString() {
      return frames + (refusal == null ? "" : " refused " + status + ": " + refusal);
    }
  }
}
