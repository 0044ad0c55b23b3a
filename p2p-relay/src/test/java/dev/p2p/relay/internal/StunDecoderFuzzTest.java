package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Whatever a datagram holds, the STUN decoder returns a message or {@code null} and never throws;
 * for every request it accepts, the response it would send is itself well-formed STUN that maps
 * back to the sender. Regression mode in {@code mvn verify}; {@code JAZZER_FUZZ=1} fuzzes.
 */
@ExtendWith(NettyLeakCheck.class)
class StunDecoderFuzzTest {
  private static final InetSocketAddress V4 =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
  private static final InetSocketAddress V6 = new InetSocketAddress("::1", 40001);

  @FuzzTest(maxDuration = "30s")
  void decodeArbitraryDatagrams(byte[] input) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    StunMessage m = StunCodec.decode(in);
    assertEquals(0, in.readerIndex());
    if (m == null || !m.isBindingRequest()) {
      return;
    }
    for (InetSocketAddress sender : new InetSocketAddress[] {V4, V6}) {
      ByteBuf res =
          m.unknown().isEmpty()
              ? StunCodec.bindingSuccess(ByteBufAllocator.DEFAULT, m, sender)
              : StunCodec.unknownAttributes(ByteBufAllocator.DEFAULT, m);
      try {
        StunMessage back = StunCodec.decode(res);
        assertNotNull(back, "our own response does not decode");
        if (m.unknown().isEmpty()) {
          assertEquals(StunMessage.CLASS_SUCCESS, back.messageClass());
          assertEquals(sender, StunCodec.mappedAddress(res));
        } else {
          assertEquals(StunMessage.CLASS_ERROR, back.messageClass());
        }
      } finally {
        res.release();
      }
    }
  }
}
