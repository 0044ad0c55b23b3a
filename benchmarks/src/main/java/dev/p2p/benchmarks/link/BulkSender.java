package dev.p2p.benchmarks.link;

import java.util.Arrays;

/**
 * The sending side of a run: the warm-up and the measured volume as 64 KiB messages with
 * back-pressure, then 64-byte round trips (the first ones also wait for the bulk to drain).
 */
final class BulkSender {
  static final int MESSAGE = 64 << 10;

  private BulkSender() {}

  /** {@code a}: TARGET WARM VOLUME RTT_WARM RTT_N. */
  static void run(LinkEndpoint endpoint, String[] a) throws Exception {
    long total = Long.parseLong(a[1]) + Long.parseLong(a[2]);
    int rttWarm = Integer.parseInt(a[3]);
    int rttCount = Integer.parseInt(a[4]);
    byte[] message = new byte[MESSAGE];
    Arrays.fill(message, (byte) 0x5a);
    for (long sent = 0; sent < total; sent += MESSAGE) {
      endpoint.send(message);
    }
    LinkPeer.say("SENT");
    if (rttCount > 0) {
      roundTrips(endpoint, rttWarm, rttCount);
    }
  }

  private static void roundTrips(LinkEndpoint endpoint, int warm, int count) throws Exception {
    byte[] ping = new byte[64];
    long[] nanos = new long[count];
    for (int i = 0; i < warm + count; i++) {
      long t0 = System.nanoTime();
      endpoint.send(ping);
      if (endpoint.recv() == null) {
        throw new IllegalStateException("peer closed during the round trips");
      }
      if (i >= warm) {
        nanos[i - warm] = System.nanoTime() - t0;
      }
    }
    Arrays.sort(nanos);
    long sum = 0;
    for (long n : nanos) {
      sum += n;
    }
    LinkPeer.say(
        "RTT "
            + count
            + " "
            + nanos[count / 2]
            + " "
            + nanos[(int) (count * 0.99)]
            + " "
            + sum / count);
  }
}
