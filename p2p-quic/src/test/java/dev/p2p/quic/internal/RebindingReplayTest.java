package dev.p2p.quic.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.identity.Ed25519Identity;
import dev.p2p.quic.internal.path.PeerPath;
import dev.p2p.relay.NettyLeakCheck;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An off-path attacker who captured QUIC packets of a live connection replays them from many
 * addresses of its own, to either end, and answers every probe it gets with a forged pong. The
 * connection must not move: no path event, no QUIC packet to any attacker address (only validation
 * pings, bounded), what the victim remembers bounded, and the transfer intact.
 */
@ExtendWith(NettyLeakCheck.class)
class RebindingReplayTest {
  private static final int MESSAGES = 20_000;
  private static final int ATTACKERS = 24;
  private static final int PROBE_LENGTH = 41;

  @Test
  void replayedPacketsToTheListenerRedirectNothing() throws Exception {
    attack(false);
  }

  @Test
  void replayedPacketsToTheDiallerRedirectNothing() throws Exception {
    attack(true);
  }

  private static void attack(boolean victimIsDialler) throws Exception {
    P2PConfig config = P2PConfig.builder().set("P2P_DIRECT_ONLY", "true").build();
    List<DatagramChannel> attackers = new ArrayList<>();
    try (QuicP2PProvider a = QuicP2PProvider.create(config, Ed25519Identity.generate());
        QuicP2PProvider b = QuicP2PProvider.create(config, Ed25519Identity.generate())) {
      // The tap sits on the side whose packets are replayed to the victim.
      PacketTap tap = PacketTap.install(victimIsDialler ? b : a, 64);
      P2PListener l = b.listen("127.3.0.6:0").get(10, TimeUnit.SECONDS);
      a.listen("127.3.0.5:0").get(10, TimeUnit.SECONDS).close();
      P2PConnection c = a.connect(l.peerAddress()).get(10, TimeUnit.SECONDS);
      P2PConnection s = l.accept().get(10, TimeUnit.SECONDS);
      QuicPeerChannel victim = (QuicPeerChannel) (victimIsDialler ? c : s);
      QuicP2PProvider victimProvider = victimIsDialler ? a : b;
      PeerPath path = victim.peerPath();
      DirectRelayFallbackTest.await(() -> path.keys.remote() != null, 10);
      InetSocketAddress target = victimProvider.boundAddress();
      InetSocketAddress route = victim.path().address().orElseThrow();
      PathEventRecorder events = PathEventRecorder.on(victim);

      SequencedTransfer t =
          victimIsDialler
              ? SequencedTransfer.start(s, c, MESSAGES)
              : SequencedTransfer.start(c, s, MESSAGES);
      CompletableFuture<Void> sending = t.sendInBackground(120);
      DirectRelayFallbackTest.await(() -> tap.shortPackets.size() >= 32, 10);
      for (int i = 0; i < ATTACKERS; i++) {
        DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET);
        ch.bind(new InetSocketAddress("127.3.0.66", 0));
        ch.configureBlocking(false);
        attackers.add(ch);
      }
      long start = System.nanoTime();
      int probesSeen = 0;
      long pongsForged = 0;
      // Two seconds of replays from every attacker address, answering each probe with a pong.
      for (int round = 0; round < 20; round++) {
        for (DatagramChannel ch : attackers) {
          byte[] p = tap.shortPackets.get((round * 7 + attackers.indexOf(ch)) % 32);
          ch.send(ByteBuffer.wrap(p), target);
        }
        Thread.sleep(100);
        for (DatagramChannel ch : attackers) {
          ByteBuffer in = ByteBuffer.allocate(2048);
          while (ch.receive(in.clear()) != null) {
            in.flip();
            assertEquals(0x04, in.get(0) & 0xff, "an attacker got something other than a probe");
            assertEquals(PROBE_LENGTH, in.remaining(), "a probe is 41 bytes");
            probesSeen++;
            // The ping turned into a pong (type byte): its MAC no longer matches.
            ByteBuffer pong = ByteBuffer.allocate(in.remaining()).put(in).flip();
            pong.put(8, (byte) 2);
            ch.send(pong, target);
            pongsForged++;
          }
        }
      }
      long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;
      sending.get(120, TimeUnit.SECONDS);

      assertEquals(MESSAGES, t.received.get());
      assertEquals(List.of(), events.paths, "the attacker moved the path");
      assertEquals(route, victim.path().address().orElseThrow());
      for (DatagramChannel ch : attackers) {
        InetSocketAddress at = (InetSocketAddress) ch.getLocalAddress();
        assertEquals(0, path.packetsSentTo(at), "QUIC packets went to the attacker at " + at);
        assertTrue(!path.candidates().contains(at), "the attacker's address became a candidate");
      }
      assertTrue(probesSeen > 0, "the replays were taken for a rebinding and probed");
      assertTrue(
          probesSeen <= 20 * seconds + 8,
          probesSeen + " validation pings in " + seconds + " s: more than the bound");
      int remembered =
          victimProvider
              .eventLoop()
              .submit(() -> victimProvider.pathLayer().rebindingCandidates())
              .get(5, TimeUnit.SECONDS);
      assertTrue(remembered <= 8, remembered + " unconfirmed addresses remembered");
      System.out.printf(
          "replay from %d addresses to the %s: %d validation pings, %d forged pongs, "
              + "%d remembered, path unchanged%n",
          ATTACKERS, victimIsDialler ? "dialler" : "listener", probesSeen, pongsForged, remembered);
    } finally {
      for (DatagramChannel ch : attackers) {
        ch.close();
      }
    }
  }
}
