package dev.p2p.relay.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A logged-in session fed arbitrary WebSocket messages: whatever they hold, the session never hits
 * an error of its own ({@code p2p_relay_internal_errors} stays 0) and releases every buffer it was
 * given or made (paranoid leak detection). Messages are cut from the input: a length byte (low 6
 * bits; bit 7 set makes it a text message), then that many bytes, where a leading 0x10 (a packet)
 * or 0x13 (a batch; the session speaks protocol 2) with a following 0x00 is aimed at the session's
 * own key so forwarding runs too.
 */
@ExtendWith(NettyLeakCheck.class)
class ClientSessionFuzzTest {
  private static final Ed25519Identity ID = Ed25519Identity.generate();
  private static final PeerKey SELF = PeerKey.of(ID.peerId());
  private static final RelaySettings SETTINGS =
      new RelaySettings(
          16, // tiny, so the fuzzer's messages reach the packet limit
          8,
          64 * 1024,
          0,
          0,
          10,
          10,
          Duration.ofSeconds(60),
          Duration.ofSeconds(15),
          Duration.ofSeconds(2),
          Duration.ofSeconds(10),
          Optional.empty(),
          System::nanoTime);

  @FuzzTest(maxDuration = "30s")
  void arbitraryMessagesAfterLogin(byte[] input) throws Exception {
    RelayCore core = new RelayCore(SETTINGS, List.of());
    EmbeddedChannel ch = new EmbeddedChannel(false, false);
    ch.pipeline()
        .addLast(RelayChannelInitializer.HTTP_ENDPOINTS, new ChannelInboundHandlerAdapter());
    ch.pipeline().addLast("session", new ClientSession(core, ch));
    ch.register();
    ch.pipeline()
        .fireUserEventTriggered(
            new WebSocketServerProtocolHandler.HandshakeComplete(
                "/relay", null, RelayProtocol.SUBPROTOCOL_V2));
    RelayFrame.Challenge c = (RelayFrame.Challenge) decodeOutbound(ch);
    byte[] sig = ID.sign(RelayProtocol.loginMessage(c.challenge()));
    ch.writeInbound(new BinaryWebSocketFrame(RelayFrameCodec.login(ch.alloc(), SELF, sig, "")));
    assertInstanceOf(RelayFrame.Welcome.class, decodeOutbound(ch));

    int i = 0;
    while (i < input.length && ch.isOpen()) {
      int head = input[i++] & 0xff;
      int len = Math.min(head & 0x3f, input.length - i);
      ByteBuf body = Unpooled.buffer(len).writeBytes(input, i, len);
      i += len;
      byte type = len >= 2 ? body.getByte(0) : 0;
      if ((type == RelayProtocol.SEND_PACKET || type == RelayProtocol.SEND_BATCH)
          && body.getByte(1) == 0) {
        ByteBuf aimed = Unpooled.buffer(1 + PeerKey.LENGTH + len);
        aimed.writeByte(type);
        SELF.write(aimed);
        aimed.writeBytes(body, 2, len - 2);
        body.release();
        body = aimed;
      }
      WebSocketFrame frame =
          (head & 0x80) != 0 ? new TextWebSocketFrame(body) : new BinaryWebSocketFrame(body);
      ch.writeInbound(frame);
      ch.runPendingTasks();
      drain(ch);
    }
    ch.finishAndReleaseAll();
    assertEquals(0, core.metrics().internalErrors(), "the session hit an error of its own");
  }

  private static RelayFrame decodeOutbound(EmbeddedChannel ch) throws RelayProtocolException {
    WebSocketFrame f = ch.readOutbound();
    try {
      RelayFrame decoded = RelayFrameCodec.decode(f.content(), 1 << 20);
      if (decoded instanceof RelayFrame.Packet p) {
        p.payload().release();
      }
      return decoded;
    } finally {
      f.release();
    }
  }

  /** Everything the session wrote must itself be a valid frame. */
  private static void drain(EmbeddedChannel ch) throws RelayProtocolException {
    Object o;
    while ((o = ch.readOutbound()) != null) {
      try {
        RelayFrame f = RelayFrameCodec.decode(((WebSocketFrame) o).content(), 1 << 20);
        if (f instanceof RelayFrame.Packet p) {
          p.payload().release();
        }
      } finally {
        ReferenceCountUtil.release(o);
      }
    }
  }
}
