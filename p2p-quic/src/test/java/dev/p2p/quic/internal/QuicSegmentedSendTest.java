package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.ConfigurationException;
import dev.p2p.api.P2PConfig;
import dev.p2p.quic.internal.path.OutboundDatagrams;
import dev.p2p.relay.NettyLeakCheck;
import io.netty.buffer.Unpooled;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Small packets with the native transport: GSO sends (many packets in one {@code sendmsg}) and GRO
 * receives (coalesced packets, split again) carry a transfer intact, and the path layer keeps a GSO
 * send one send.
 */
@ExtendWith(NettyLeakCheck.class)
class QuicSegmentedSendTest {
  @Test
  void aGsoSendStaysOneSendWithItsSegmentSizeWhenReaddressed() {
    InetSocketAddress to = new InetSocketAddress("127.0.0.1", 4242);
    DatagramPacket gso =
        new SegmentedDatagramPacket(
            Unpooled.buffer(2700).writeZero(2700), 1350, new InetSocketAddress("10.0.0.1", 1));
    DatagramPacket out = OutboundDatagrams.readdressed(gso, gso.content(), to);
    try {
      SegmentedDatagramPacket s = assertInstanceOf(SegmentedDatagramPacket.class, out);
      assertEquals(1350, s.segmentSize());
      assertEquals(to, s.recipient());
    } finally {
      out.release();
    }
    DatagramPacket plain = new DatagramPacket(Unpooled.buffer(10).writeZero(10), to);
    DatagramPacket again = OutboundDatagrams.readdressed(plain, plain.content(), to);
    try {
      assertEquals(DatagramPacket.class, again.getClass());
    } finally {
      again.release();
    }
  }

  @Test
  void theCodecBatchesAsManyPacketsAsFitOneGsoSend() {
    SegmentedDatagramPacketAllocator a = UdpSocketKind.EPOLL.segmentedAllocator(1350, 64);
    assertEquals(48, a.maxNumSegments());
    assertEquals(44, UdpSocketKind.EPOLL.segmentedAllocator(1452, 64).maxNumSegments());
    // A 64 KiB limit (loopback, relay-only): quiche's packets are at most 16,383 bytes, three fit.
    assertEquals(3, UdpSocketKind.EPOLL.segmentedAllocator(65_527, 64).maxNumSegments());
    // NIO: one packet per send.
    assertEquals(
        SegmentedDatagramPacketAllocator.NONE, UdpSocketKind.NIO.segmentedAllocator(1350, 64));
  }

  @Test
  void bulkInSmallPacketsWithGsoAndGroArrivesIntactAndInOrder() throws Exception {
    P2PConfig config =
        P2PConfig.builder()
            .set(QuicSettings.QUIC_TRANSPORT, "epoll")
            .set(QuicSettings.QUIC_MAX_UDP_PAYLOAD, "1350")
            .build();
    assertEquals(UdpSocketKind.EPOLL, QuicSettings.from(config).udpTransport());
    int count = 400;
    int size = 16 * 1024;
    try (QuicPeers p = QuicPeers.connect(config)) {
      CompletableFuture<Void> last = null;
      for (int i = 0; i < count; i++) {
        last = p.dialled.send(message(i, size));
        if (!last.isDone()) {
          last.get(10, TimeUnit.SECONDS);
        }
      }
      for (int i = 0; i < count; i++) {
        byte[] m = p.accepted.recv().get(10, TimeUnit.SECONDS);
        assertTrue(Arrays.equals(message(i, size), m), "message " + i + " intact");
      }
    }
  }

  @Test
  void unknownSocketSettingsAreTypedErrorsNamingTheKey() {
    ConfigurationException transport =
        assertThrows(
            ConfigurationException.class,
            () ->
                QuicSettings.from(
                    P2PConfig.builder().set(QuicSettings.QUIC_TRANSPORT, "dpdk").build()));
    assertTrue(
        transport.getMessage().contains(QuicSettings.QUIC_TRANSPORT), transport.getMessage());
    ConfigurationException cc =
        assertThrows(
            ConfigurationException.class,
            () -> QuicSettings.from(P2PConfig.builder().set(QuicSettings.QUIC_CC, "fast").build()));
    assertTrue(cc.getMessage().contains("bbr"), cc.getMessage());
  }

  private static byte[] message(int index, int size) {
    byte[] m = new byte[size];
    Arrays.fill(m, (byte) index);
    ByteBuffer.wrap(m).putInt(index);
    return m;
  }
}
