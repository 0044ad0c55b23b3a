package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.quic.internal.path.traversal.TraversalOffer;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each offer takes a unidirectional stream of its own and the codecs grant two at a time: a
 * connection can still open one after the peer has read many (re-offers need that).
 */
@ExtendWith(NettyLeakCheck.class)
class OfferStreamsTest {
  @Test
  void manyOfferStreamsOneAfterAnotherCanAllBeOpened() throws Exception {
    try (QuicPeers p = QuicPeers.connect(P2PConfig.empty())) {
      TraversalOffer offer = new TraversalOffer(1, new byte[32], List.of());
      for (int i = 0; i < 20; i++) {
        io.netty.util.concurrent.Future<QuicStreamChannel> f =
            p.dialled
                .quic()
                .createStream(QuicStreamType.UNIDIRECTIONAL, new ChannelInboundHandlerAdapter());
        assertTrue(f.await(5, TimeUnit.SECONDS), "stream " + i + " not opened in time");
        assertTrue(f.isSuccess(), "stream " + i + ": " + f.cause());
        QuicStreamChannel s = f.getNow();
        s.writeAndFlush(Unpooled.wrappedBuffer(offer.encode())).sync();
        s.shutdownOutput().sync();
        Thread.sleep(50); // the peer reads it to the end, and its credit comes back
      }
    }
  }
}
