package dev.p2p.api.internal;

import dev.p2p.api.PeerAddress;
import dev.p2p.api.PeerId;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The binary layout behind {@link PeerAddress#toTicket()}: {@code "p2p1" + base32(body + crc32)}.
 *
 * <p>Body: 32-byte key; u8 address count; per address a u8 kind (4 = IPv4, 6 = IPv6, 0 = host
 * name), the address bytes (or u8 length + UTF-8 name), u16 port; then u16 relay length and the
 * relay URI in UTF-8 (length 0 = no relay). A new layout gets a new version digit.
 */
public final class TicketCodec {
  public static final String PREFIX = "p2p1";
  private static final int KIND_HOST = 0;
  private static final int KIND_V4 = 4;
  private static final int KIND_V6 = 6;

  private TicketCodec() {}

  public static String encode(PeerAddress address) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64);
    out.writeBytes(address.peerId().toBytes());
    List<InetSocketAddress> direct = address.directAddresses();
    if (direct.size() > 255) {
      throw new IllegalArgumentException("a ticket holds at most 255 direct addresses");
    }
    out.write(direct.size());
    for (InetSocketAddress a : direct) {
      if (a.isUnresolved()) {
        byte[] host = a.getHostString().getBytes(StandardCharsets.UTF_8);
        if (host.length > 255) {
          throw new IllegalArgumentException("host name too long for a ticket: " + a);
        }
        out.write(KIND_HOST);
        out.write(host.length);
        out.writeBytes(host);
      } else {
        byte[] ip = a.getAddress().getAddress();
        out.write(ip.length == 4 ? KIND_V4 : KIND_V6);
        out.writeBytes(ip);
      }
      writeShort(out, a.getPort());
    }
    byte[] relay =
        address.relay().map(u -> u.toString().getBytes(StandardCharsets.UTF_8)).orElse(new byte[0]);
    if (relay.length > 0xffff) {
      throw new IllegalArgumentException("relay URI too long for a ticket");
    }
    writeShort(out, relay.length);
    out.writeBytes(relay);
    CRC32 crc = new CRC32();
    crc.update(out.toByteArray());
    long sum = crc.getValue();
    writeShort(out, (int) (sum >>> 16));
    writeShort(out, (int) sum);
    return PREFIX + Base32.encode(out.toByteArray());
  }

  public static PeerAddress decode(String ticket) {
    if (ticket == null) {
      throw new IllegalArgumentException("ticket is null");
    }
    String text = ticket.strip().toLowerCase(Locale.ROOT);
    if (!text.startsWith("p2p") || text.length() < 4) {
      throw new IllegalArgumentException("not a p2p ticket: it must start with '" + PREFIX + "'");
    }
    if (!text.startsWith(PREFIX)) {
      throw new IllegalArgumentException(
          "unsupported ticket version '"
              + text.charAt(3)
              + "': this build reads version 1; upgrade the SDK");
    }
    byte[] raw;
    try {
      raw = Base32.decode(text.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed ticket: " + e.getMessage(), e);
    }
    if (raw.length < PeerId.KEY_LENGTH + 1 + 2 + 4) {
      throw new IllegalArgumentException("malformed ticket: too short (" + raw.length + " bytes)");
    }
    CRC32 crc = new CRC32();
    crc.update(raw, 0, raw.length - 4);
    ByteBuffer tail = ByteBuffer.wrap(raw, raw.length - 4, 4);
    if ((tail.getInt() & 0xffffffffL) != crc.getValue()) {
      throw new IllegalArgumentException("ticket checksum mismatch: it was cut or mistyped");
    }
    ByteBuffer in = ByteBuffer.wrap(raw, 0, raw.length - 4);
    try {
      byte[] key = new byte[PeerId.KEY_LENGTH];
      in.get(key);
      int count = in.get() & 0xff;
      List<InetSocketAddress> direct = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        direct.add(readAddress(in));
      }
      byte[] relayBytes = new byte[in.getShort() & 0xffff];
      in.get(relayBytes);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException("malformed ticket: trailing bytes");
      }
      Optional<URI> relay =
          relayBytes.length == 0
              ? Optional.empty()
              : Optional.of(new URI(new String(relayBytes, StandardCharsets.UTF_8)));
      return new PeerAddress(PeerId.fromPublicKey(key), relay, direct);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("malformed ticket: truncated", e);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed ticket: bad relay URI: " + e.getMessage(), e);
    }
  }

  private static InetSocketAddress readAddress(ByteBuffer in) {
    int kind = in.get() & 0xff;
    switch (kind) {
      case KIND_HOST -> {
        byte[] host = new byte[in.get() & 0xff];
        in.get(host);
        int port = in.getShort() & 0xffff;
        return InetSocketAddress.createUnresolved(new String(host, StandardCharsets.UTF_8), port);
      }
      case KIND_V4, KIND_V6 -> {
        byte[] ip = new byte[kind == KIND_V4 ? 4 : 16];
        in.get(ip);
        int port = in.getShort() & 0xffff;
        try {
          return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
          throw new IllegalArgumentException("malformed ticket: bad address", e);
        }
      }
      default -> throw new IllegalArgumentException("malformed ticket: address kind " + kind);
    }
  }

  private static void writeShort(ByteArrayOutputStream out, int value) {
    out.write((value >>> 8) & 0xff);
    out.write(value & 0xff);
  }
}
