package dev.p2p.benchmarks.lab;

import dev.p2p.benchmarks.link.ProcessCpu;
import dev.p2p.testkit.lab.LabCounter;
import dev.p2p.testkit.lab.LabProcess;
import dev.p2p.testkit.lab.LabSide;
import dev.p2p.testkit.lab.NatLab;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The attempts of one pairing (dialler side x listener side), one after the other: each a fresh
 * provider on both sides, so fresh sockets and NAT mappings, closed before the next.
 */
final class PairingRun {
  /** The provider's path probes start with this byte (RFC 9443 demultiplexing: 0..3 STUN). */
  static final int PROBE_FIRST_BYTE = 0x04;

  private static final Duration STEP = Duration.ofSeconds(30);

  private final String name;
  private final LabProcess dialler;
  private final LabProcess listener;
  private final List<LabCounter> udp;
  private final List<LabCounter> probes;

  PairingRun(
      NatLab lab,
      String name,
      LabSide diallerSide,
      LabProcess dialler,
      LabSide listenerSide,
      LabProcess listener)
      throws IOException {
    this.name = name;
    this.dialler = dialler;
    this.listener = listener;
    var toListener = LabCounter.publicAddress(listenerSide);
    var toDialler = LabCounter.publicAddress(diallerSide);
    this.udp =
        List.of(
            LabCounter.udpTo(lab, diallerSide, toListener),
            LabCounter.udpTo(lab, listenerSide, toDialler));
    this.probes =
        List.of(
            LabCounter.udpWithFirstByteTo(lab, diallerSide, toListener, PROBE_FIRST_BYTE),
            LabCounter.udpWithFirstByteTo(lab, listenerSide, toDialler, PROBE_FIRST_BYTE));
  }

  /** Runs attempt {@code k}; a window of {@code windowMs} for the path to turn direct. */
  Attempt attempt(int k, long windowMs) throws Exception {
    String id = name + "-" + k;
    listener.send("LISTEN " + id);
    String peer = listener.await("ID " + id + " ", STEP);
    dialler.send("PREPARE " + id);
    dialler.await("PREPARED " + id, STEP);
    Snapshot before = snapshot();
    dialler.send("DIAL " + id + " " + peer + " " + windowMs);
    dialler.await("AT " + id + " ", STEP.plusMillis(windowMs));
    Snapshot after = snapshot();
    String end = dialler.await("END " + id + " ", STEP);
    dialler.send("CLOSE " + id);
    listener.send("CLOSE " + id);
    dialler.await("CLOSED " + id, STEP);
    listener.await("CLOSED " + id, STEP);
    // await strips the prefix: "DIRECT|RELAYED connect=.. first=.. direct=.. path=..." or
    // "FAILED <why>".
    String[] w = end.split(" ");
    boolean failed = w[0].equals("FAILED");
    return new Attempt(
        w[0],
        failed ? -1 : number(w, "connect"),
        failed ? -1 : number(w, "first"),
        failed ? -1 : number(w, "direct"),
        after.udpPackets - before.udpPackets,
        after.udpBytes - before.udpBytes,
        after.probePackets - before.probePackets,
        after.probeBytes - before.probeBytes,
        (after.diallerCpu - before.diallerCpu) / 1_000_000,
        (after.listenerCpu - before.listenerCpu) / 1_000_000,
        failed ? end.substring(end.indexOf(' ') + 1) : end.substring(end.indexOf("path=") + 5));
  }

  private record Snapshot(
      long udpPackets,
      long udpBytes,
      long probePackets,
      long probeBytes,
      long diallerCpu,
      long listenerCpu) {}

  /** Counters first: after a direct event, what follows them is traffic on the direct path. */
  private Snapshot snapshot() throws IOException {
    long up = 0;
    long ub = 0;
    for (LabCounter c : udp) {
      LabCounter.Count n = c.read();
      up += n.packets();
      ub += n.bytes();
    }
    long pp = 0;
    long pb = 0;
    for (LabCounter c : probes) {
      LabCounter.Count n = c.read();
      pp += n.packets();
      pb += n.bytes();
    }
    return new Snapshot(up, ub, pp, pb, ProcessCpu.nanos(dialler), ProcessCpu.nanos(listener));
  }

  private static long number(String[] words, String key) {
    for (String w : words) {
      if (w.startsWith(key + "=")) {
        String v = w.substring(key.length() + 1);
        return v.equals("-") ? -1 : Long.parseLong(v);
      }
    }
    return -1;
  }
}
