package dev.p2p.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.p2p.relay.internal.StunCodec;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** STUN Binding on the relay's UDP port: against our own encoder and an independent client. */
@ExtendWith(NettyLeakCheck.class)
class StunTest {
  private RelayServer relay;
  private InetSocketAddress stun;
  private DatagramSocket socket;

  @BeforeEach
  void start() throws Exception {
    relay = RelayServer.builder().build().start();
    stun = relay.stunAddress().orElseThrow();
    socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    socket.setSoTimeout(2000);
  }

  @AfterEach
  void stop() {
    socket.close();
    relay.close();
  }

  /** A Binding request: RFC 8489 (cookie, 12-byte id) or classic RFC 3489 (16-byte id). */
  static byte[] request(byte[] tid, boolean fingerprint, boolean classic, int... extraAttr) {
    ByteBuffer b = ByteBuffer.allocate(200);
    b.putShort((short) 0x0001).putShort((short) 0);
    if (!classic) {
      b.putInt(StunCodec.MAGIC_COOKIE);
    }
    b.put(tid);
    for (int attr : extraAttr) {
      b.putShort((short) attr).putShort((short) 4).putInt(0);
    }
    if (fingerprint) {
      b.putShort(2, (short) (b.position() - 20 + 8));
      CRC32 crc = new CRC32();
      crc.update(b.array(), 0, b.position());
      b.putShort((short) StunCodec.FINGERPRINT).putShort((short) 4);
      b.putInt((int) crc.getValue() ^ 0x5354554e);
    } else {
      b.putShort(2, (short) (b.position() - 20));
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  private byte[] exchange(byte[] req) throws Exception {
    socket.send(new DatagramPacket(req, req.length, stun));
    DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
    socket.receive(p);
    return Arrays.copyOf(p.getData(), p.getLength());
  }

  private static byte[] tid(int n, int seed) {
    byte[] t = new byte[n];
    new Random(seed).nextBytes(t);
    return t;
  }

  @Test
  void bindingAnswersTheSendersAddressXoredWithAValidFingerprint() throws Exception {
    byte[] tid = tid(12, 1);
    byte[] res = exchange(request(tid, true, false));
    ByteBuf buf = Unpooled.wrappedBuffer(res);
    assertEquals(0x0101, buf.getUnsignedShort(0), "Binding success response");
    assertEquals(StunCodec.MAGIC_COOKIE, buf.getInt(4));
    assertTrue(Arrays.equals(tid, Arrays.copyOfRange(res, 8, 20)), "transaction id echoed");
    assertEquals(socket.getLocalSocketAddress(), StunCodec.mappedAddress(buf));
    assertEquals(StunCodec.XOR_MAPPED_ADDRESS, buf.getUnsignedShort(20));
    // The response's own FINGERPRINT checks out, so our decoder accepts it.
    assertNotNull(StunCodec.decode(buf), "response must be well-formed with a valid FINGERPRINT");
    assertEquals(StunCodec.FINGERPRINT, buf.getUnsignedShort(res.length - 8));
  }

  @Test
  void requestsWithoutFingerprintAndClassicRequestsAreAnswered() throws Exception {
    ByteBuf modern = Unpooled.wrappedBuffer(exchange(request(tid(12, 2), false, false)));
    assertEquals(socket.getLocalSocketAddress(), StunCodec.mappedAddress(modern));
    byte[] tid16 = tid(16, 3);
    tid16[0] = 0; // not the magic cookie
    byte[] res = exchange(request(tid16, false, true));
    ByteBuf classic = Unpooled.wrappedBuffer(res);
    assertEquals(StunCodec.MAPPED_ADDRESS, classic.getUnsignedShort(20));
    assertTrue(Arrays.equals(tid16, Arrays.copyOfRange(res, 4, 20)));
    assertEquals(socket.getLocalSocketAddress(), StunCodec.mappedAddress(classic));
  }

  @Test
  void aBadFingerprintOrGarbageGetsNoAnswerAndTheServiceGoesOn() throws Exception {
    byte[] bad = request(tid(12, 4), true, false);
    bad[bad.length - 1] ^= 1;
    byte[] junk = new byte[50];
    new Random(5).nextBytes(junk);
    for (byte[] b : List.of(bad, junk, new byte[0], new byte[20])) {
      socket.send(new DatagramPacket(b, b.length, stun));
    }
    socket.setSoTimeout(300);
    try {
      DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
      socket.receive(p);
      throw new AssertionError("answered an invalid request: " + p.getLength() + " bytes");
    } catch (SocketTimeoutException expected) {
      // nothing came back
    }
    socket.setSoTimeout(2000);
    assertEquals(
        socket.getLocalSocketAddress(),
        StunCodec.mappedAddress(
            Unpooled.wrappedBuffer(exchange(request(tid(12, 6), true, false)))));
    assertTrue(relay.metricsText().contains("p2p_relay_stun_invalid_total 4.0"));
  }

  @Test
  void unknownComprehensionRequiredAttributesGet420() throws Exception {
    byte[] res = exchange(request(tid(12, 7), true, false, 0x0003 /* CHANGE-REQUEST */, 0x7777));
    ByteBuf buf = Unpooled.wrappedBuffer(res);
    assertEquals(0x0111, buf.getUnsignedShort(0), "Binding error response");
    // CHANGE-REQUEST asking for no change is understood; 0x7777 is not.
    assertEquals(StunCodec.ERROR_CODE, buf.getUnsignedShort(20));
    assertEquals(4, buf.getUnsignedByte(26));
    assertEquals(20, buf.getUnsignedByte(27));
    int at = 20 + 4 + ((buf.getUnsignedShort(22) + 3) & ~3);
    assertEquals(StunCodec.UNKNOWN_ATTRIBUTES, buf.getUnsignedShort(at));
    assertEquals(2, buf.getUnsignedShort(at + 2));
    assertEquals(0x7777, buf.getUnsignedShort(at + 4));
  }

  /** coturn's turnutils_stunclient (Debian package coturn), an RFC 5389 client of its own. */
  @Test
  void anIndependentClientReadsItsMappedAddress() throws Exception {
    Path tool = Path.of("/usr/bin/turnutils_stunclient");
    assumeTrue(Files.isExecutable(tool), "apt-get install coturn for the independent check");
    Process p =
        new ProcessBuilder(tool.toString(), "-p", Integer.toString(stun.getPort()), "127.0.0.1")
            .redirectErrorStream(true)
            .start();
    String out;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      out = r.lines().collect(Collectors.joining("\n"));
    }
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "turnutils_stunclient hung");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("UDP reflexive addr: 127.0.0.1:"), out);
  }
}
