package dev.p2p.quic.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.identity.Ed25519Identity;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The socket's demultiplexer reads the clock once per read batch, not per packet, and the path's
 * activity time still follows the packets: a new batch, or a long one, reads it again.
 */
class SocketBatchClockTest {
  private static final InetSocketAddress PEER = new InetSocketAddress("198.18.13.2", 4433);
  private static final InetSocketAddress US = new InetSocketAddress("198.18.13.1", 4433);

  private final PathLayerHandler layer =
      new PathLayerHandler(
          new ClientConnectionIds(), new StatelessResets(Ed25519Identity.generate()));
  private final EmbeddedChannel socket = new EmbeddedChannel(layer);

  @AfterEach
  void close() {
    socket.finishAndReleaseAll();
  }

  @Test
  void aBatchSharesOneClockReadAndTheNextBatchReadsItAgain() {
    PeerPath path = read(initial());
    long first = path.lastActivityNanos;
    waitForTheClockToMove();
    read(shortHeader());
    assertEquals(first, path.lastActivityNanos, "the same read batch: the clock was not read");

    socket.pipeline().fireChannelReadComplete();
    waitForTheClockToMove();
    read(shortHeader());
    assertTrue(path.lastActivityNanos > first, "a new batch stamps the path anew");
  }

  @Test
  void aLongBatchReadsTheClockAgainAfterABoundedNumberOfPackets() {
    PeerPath path = read(initial());
    long first = path.lastActivityNanos;
    waitForTheClockToMove();
    for (int i = 0; i < SocketDemultiplexer.PACKETS_PER_CLOCK; i++) {
      read(shortHeader());
    }
    assertTrue(path.lastActivityNanos > first, "no read-complete, yet the stamp moved on");
  }

  /** Fires one datagram from the peer and returns the path it went to. */
  private PeerPath read(ByteBuf content) {
    socket.pipeline().fireChannelRead(new DatagramPacket(content, US, PEER));
    DatagramPacket up = socket.readInbound();
    assertNotNull(up, "handed on to QUIC");
    PeerPath path = layer.pathOf(up.sender());
    up.release();
    assertNotNull(path);
    return path;
  }

  private static void waitForTheClockToMove() {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
    while (System.nanoTime() < until) {
      Thread.onSpinWait();
    }
  }

  private static ByteBuf initial() {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0xC0).writeInt(1); // long header, Initial, QUIC v1
    b.writeByte(20).writeZero(20); // destination id
    b.writeByte(20).writeZero(20); // source id
    return b.writeZero(1200 - b.readableBytes());
  }

  private static ByteBuf shortHeader() {
    ByteBuf b = Unpooled.buffer();
    b.writeByte(0x40).writeZero(QuicPacketHeaders.LOCAL_CONNECTION_ID_LENGTH);
    return b.writeZero(1200 - b.readableBytes());
  }
}
