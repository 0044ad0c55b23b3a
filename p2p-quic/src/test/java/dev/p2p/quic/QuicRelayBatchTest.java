package dev.p2p.quic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.p2p.api.P2PConfig;
import dev.p2p.api.P2PConnection;
import dev.p2p.api.P2PListener;
import dev.p2p.api.PathType;
import dev.p2p.quic.internal.QuicP2PProvider;
import dev.p2p.relay.NettyLeakCheck;
import dev.p2p.relay.RelayServer;
import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Packets the codec sends in GSO batches with epoll cross the relay as batches (relay protocol 2)
 * and arrive whole and in order: those of the size a real interface takes (1,350 bytes, as off
 * loopback), and relay-only's own (quiche's 16,383-byte maximum, three to a batch).
 */
@ExtendWith(NettyLeakCheck.class)
class QuicRelayBatchTest {
  private static final Pattern WHOLE =
      Pattern.compile("p2p_relay_batches_total\\{delivery=\"whole\"} ([0-9.E]+)");

  @Test
  void interfaceSizedGsoSendsCrossTheRelayAsBatchesAndArriveInOrder() throws Exception {
    crossAsBatches(Map.of("P2P_QUIC_MAX_UDP_PAYLOAD", "1350", "P2P_QUIC_PMTUD", "0"));
  }

  @Test
  void relayOnlyPacketsCrossTheRelayAsBatchesAndArriveInOrder() throws Exception {
    crossAsBatches(Map.of());
  }

  private static void crossAsBatches(Map<String, String> settings) throws Exception {
    Assumptions.assumeTrue(Epoll.isAvailable(), "GSO needs the native epoll transport");
    try (RelayServer relay =
        RelayServer.builder().host("127.0.0.1").port(0).stunPort(-1).build().start()) {
      P2PConfig.Builder builder =
          QuicRelayContractTest.relayOnly(relay.url().toString()).toBuilder();
      settings.forEach(builder::set);
      P2PConfig config = builder.build();
      try (QuicP2PProvider a = QuicP2PProvider.create(config);
          QuicP2PProvider b = QuicP2PProvider.create(config)) {
        P2PListener l = b.listen("127.0.0.1:0").get(10, TimeUnit.SECONDS);
        CompletableFuture<P2PConnection> accepted = l.accept();
        P2PConnection out = a.connect(b.localPeerId()).get(10, TimeUnit.SECONDS);
        P2PConnection in = accepted.get(10, TimeUnit.SECONDS);
        assertEquals(PathType.RELAYED, out.path().type());
        Random rnd = new Random(11);
        List<byte[]> sent = new ArrayList<>();
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
          byte[] m = new byte[16 * 1024 + rnd.nextInt(1000)];
          rnd.nextBytes(m);
          sent.add(m);
          acks.add(out.send(m));
        }
        for (byte[] expected : sent) {
          assertArrayEquals(expected, in.recv().get(20, TimeUnit.SECONDS));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        Matcher m = WHOLE.matcher(relay.metricsText());
        assertTrue(m.find(), relay.metricsText());
        assertTrue(Double.parseDouble(m.group(1)) > 0, "batches forwarded: " + m.group());
      }
    }
  }
}
