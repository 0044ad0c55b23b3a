package dev.p2p.testkit.lab;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An nftables counter on a lab router: the UDP (or TCP) packets, and their bytes with IP headers,
 * that the router sends out of its public side to one address. Counted by the kernel after the NAT,
 * so it sees what really crossed the public segment toward a peer (probes, or a direct path's
 * traffic), whatever the program under test believes it sent; traffic to the relay is not counted
 * unless the relay is the address given.
 */
public final class LabCounter {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private static final Pattern VALUES = Pattern.compile("packets (\\d+) bytes (\\d+)");

  /** A reading: packets and bytes since the counter was made. */
  public record Count(long packets, long bytes) {
    public Count minus(Count earlier) {
      return new Count(packets - earlier.packets, bytes - earlier.bytes);
    }
  }

  private final NatLab lab;
  private final String namespace;
  private final String name;

  private LabCounter(NatLab lab, String namespace, String name) {
    this.lab = lab;
    this.namespace = namespace;
    this.name = name;
  }

  /** Starts counting UDP from {@code side}'s router toward {@code destination}. */
  public static LabCounter udpTo(NatLab lab, LabSide side, InetAddress destination)
      throws IOException {
    return start(lab, side, destination, "udp");
  }

  /**
   * Starts counting TCP (a relay connection's) from {@code side}'s router to {@code destination}.
   */
  public static LabCounter tcpTo(NatLab lab, LabSide side, InetAddress destination)
      throws IOException {
    return start(lab, side, destination, "tcp");
  }

  /**
   * Starts counting UDP from {@code side}'s router to {@code destination} whose payload starts with
   * {@code firstByte}: one protocol of those sharing a socket (RFC 9443 tells them apart by it,
   * e.g. 0x04 for the QUIC provider's path probes).
   */
  public static LabCounter udpWithFirstByteTo(
      NatLab lab, LabSide side, InetAddress destination, int firstByte) throws IOException {
    if (firstByte < 0 || firstByte > 255) {
      throw new IllegalArgumentException("a byte is 0..255: " + firstByte);
    }
    // The UDP header is 8 bytes: the payload's first byte is at bit 64 of the transport header.
    return start(lab, side, destination, "udp @th,64,8 " + firstByte);
  }

  private static LabCounter start(NatLab lab, LabSide side, InetAddress destination, String proto)
      throws IOException {
    String name = "c" + NAMES.incrementAndGet();
    String rules =
        "table ip p2pcount {\n"
            + "  counter "
            + name
            + " {}\n"
            + "  chain out {\n"
            + "    type filter hook postrouting priority 200; policy accept;\n"
            + "    oifname \""
            + NatLab.WAN_DEVICE
            + "\" ip daddr "
            + destination.getHostAddress()
            + " meta l4proto "
            + proto
            + " counter name "
            + name
            + "\n"
            + "  }\n"
            + "}\n";
    Path file = lab.logDir().resolve(side.routerNamespace() + "-" + name + ".nft");
    Files.writeString(file, rules);
    lab.run(side.routerNamespace(), List.of(nft(), "-f", file.toString()));
    return new LabCounter(lab, side.routerNamespace(), name);
  }

  /**
   * The address a peer on another side sees {@code side} at: its router's public address behind a
   * NAT, the host's own (publicly routed) address behind a {@link NatKind#NONE} router.
   */
  public static InetAddress publicAddress(LabSide side) {
    return side.kind() == NatKind.NONE ? side.hostAddress() : side.routerPublicAddress();
  }

  private static String nft() {
    return LabShell.find("nft").orElse("nft");
  }

  /** The counter now. */
  public Count read() throws IOException {
    String out = lab.run(namespace, List.of(nft(), "list", "counter", "ip", "p2pcount", name));
    Matcher m = VALUES.matcher(out);
    if (!m.find()) {
      throw new IOException("unexpected nft output for counter " + name + ": " + out);
    }
    return new Count(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
  }
}
