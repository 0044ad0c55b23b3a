package dev.p2p.testkit.nat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loopback NAT with real sockets: mapped sources, filtering, timeouts, private drops. */
class LoopbackNatTest {
  private static final InetSocketAddress HOST = new InetSocketAddress(ip("127.1.0.9"), 5000);

  private record Received(InetSocketAddress from, String text) {}

  private static InetAddress ip(String s) {
    try {
      return InetAddress.getByName(s);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static ByteBuffer text(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
  }

  private static InetSocketAddress receiveFrom(DatagramSocket s, String expected) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[100], 100);
    s.receive(p);
    assertArrayEquals(
        expected.getBytes(StandardCharsets.UTF_8),
        java.util.Arrays.copyOf(p.getData(), p.getLength()));
    return (InetSocketAddress) p.getSocketAddress();
  }

  private static LoopbackNat nat(NatConfig config, BlockingQueue<Received> inside) {
    LoopbackNat nat =
        new LoopbackNat(config.withPortRange(20000, 29999), LoopbackNat.loopbackSubnet(1));
    nat.attach(
        HOST, (from, d) -> inside.add(new Received(from, new String(d, StandardCharsets.UTF_8))));
    return nat;
  }

  @Test
  void portRestrictedMapsTheSourceAndAdmitsOnlyTheEndpointsSentTo() throws Exception {
    BlockingQueue<Received> inside = new LinkedBlockingQueue<>();
    try (LoopbackNat nat = nat(NatConfig.portRestrictedCone(ip("127.2.0.9")), inside);
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.3.0.9", 0));
        DatagramSocket stranger = new DatagramSocket(new InetSocketAddress("127.3.0.9", 0))) {
      peer.setSoTimeout(2000);
      InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalSocketAddress();
      nat.send(HOST, peerAt, text("out"));
      InetSocketAddress mapped = receiveFrom(peer, "out");
      assertEquals(ip("127.2.0.9"), mapped.getAddress(), "the peer sees the NAT's address");

      peer.send(new DatagramPacket("back".getBytes(StandardCharsets.UTF_8), 4, mapped));
      Received r = inside.poll(2, TimeUnit.SECONDS);
      assertEquals(new Received(peerAt, "back"), r, "handed back with the real source");

      stranger.send(new DatagramPacket("no".getBytes(StandardCharsets.UTF_8), 2, mapped));
      assertNull(inside.poll(300, TimeUnit.MILLISECONDS), "a stranger is filtered");
      assertEquals(1, nat.filtered());
    }
  }

  @Test
  void anExpiredMappingComesBackOnANewPortAndTheOldOneIsDead() throws Exception {
    BlockingQueue<Received> inside = new LinkedBlockingQueue<>();
    NatConfig config =
        NatConfig.portRestrictedCone(ip("127.2.0.10"))
            .withPorts(PortAssignment.SEQUENTIAL)
            .withTimeout(Duration.ofMillis(500));
    try (LoopbackNat nat = nat(config, inside);
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.3.0.10", 0))) {
      peer.setSoTimeout(2000);
      InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalSocketAddress();
      nat.send(HOST, peerAt, text("one"));
      InetSocketAddress first = receiveFrom(peer, "one");
      nat.outage(true);
      nat.send(HOST, peerAt, text("lost"));
      Thread.sleep(700); // longer than the mapping timeout, with nothing refreshing it
      nat.outage(false);
      nat.send(HOST, peerAt, text("two"));
      InetSocketAddress second = receiveFrom(peer, "two");
      assertNotEquals(first, second, "a new mapping");
      assertEquals(first.getAddress(), second.getAddress());

      peer.send(new DatagramPacket("new".getBytes(StandardCharsets.UTF_8), 3, second));
      assertEquals(new Received(peerAt, "new"), inside.poll(2, TimeUnit.SECONDS));
      peer.send(new DatagramPacket("old".getBytes(StandardCharsets.UTF_8), 3, first));
      assertNull(inside.poll(300, TimeUnit.MILLISECONDS), "the old mapping is gone");
    }
  }

  @Test
  void aPortHeldByAnotherSocketIsSkippedNotALostMapping() throws Exception {
    BlockingQueue<Received> inside = new LinkedBlockingQueue<>();
    InetAddress publicAddress = ip("127.2.0.12");
    try (DatagramSocket holder = new DatagramSocket(new InetSocketAddress(publicAddress, 0));
        DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.3.0.12", 0))) {
      int held = holder.getLocalPort();
      // Sequential assignment starts at the range's first port, which the holder has.
      NatConfig config =
          NatConfig.portRestrictedCone(publicAddress)
              .withPorts(PortAssignment.SEQUENTIAL)
              .withPortRange(held, held + 50);
      try (LoopbackNat nat = new LoopbackNat(config, LoopbackNat.loopbackSubnet(1))) {
        nat.attach(
            HOST,
            (from, d) -> inside.add(new Received(from, new String(d, StandardCharsets.UTF_8))));
        peer.setSoTimeout(2000);
        InetSocketAddress peerAt = (InetSocketAddress) peer.getLocalSocketAddress();
        nat.send(HOST, peerAt, text("out"));
        InetSocketAddress mapped = receiveFrom(peer, "out");
        assertNotEquals(held, mapped.getPort(), "the held port is not the mapping's");
        assertEquals(0, nat.dropped());

        peer.send(new DatagramPacket("back".getBytes(StandardCharsets.UTF_8), 4, mapped));
        assertEquals(new Received(peerAt, "back"), inside.poll(2, TimeUnit.SECONDS));
        nat.send(HOST, peerAt, text("again"));
        assertEquals(mapped, receiveFrom(peer, "again"), "the new mapping stays");
      }
    }
  }

  @Test
  void privateDestinationsAreDropped() throws Exception {
    BlockingQueue<Received> inside = new LinkedBlockingQueue<>();
    try (LoopbackNat nat = nat(NatConfig.fullCone(ip("127.2.0.11")), inside);
        DatagramSocket other = new DatagramSocket(new InetSocketAddress("127.1.0.11", 0))) {
      other.setSoTimeout(300);
      nat.send(HOST, (InetSocketAddress) other.getLocalSocketAddress(), text("x"));
      try {
        receiveFrom(other, "x");
        throw new AssertionError("a private address was reached through the NAT");
      } catch (SocketTimeoutException expected) {
        assertEquals(1, nat.dropped());
      }
    }
  }
}
