package dev.p2p.benchmarks.link;

/**
 * The receiving side of a run: counts a warm-up, then times the measured volume from its first to
 * its last byte; afterwards echoes every message (the round-trip phase) until the peer closes.
 */
final class BulkReceiver {
  private BulkReceiver() {}

  static void run(LinkEndpoint endpoint, long warm, long volume) throws Exception {
    long received = 0;
    long startBytes = -1;
    long startNanos = 0;
    while (received < warm + volume) {
      byte[] m = endpoint.recv();
      if (m == null) {
        throw new IllegalStateException("peer closed after " + received + " bytes");
      }
      received += m.length;
      if (startBytes < 0 && received >= Math.max(warm, 1)) {
        // First byte of the measured volume: the end of this message (it arrived now).
        startNanos = System.nanoTime();
        startBytes = received;
        LinkPeer.say("MARK start");
      }
    }
    long nanos = System.nanoTime() - startNanos;
    LinkPeer.say("MARK end " + (received - startBytes) + " " + nanos);
  }

  static void echoUntilClosed(LinkEndpoint endpoint) throws Exception {
    byte[] m;
    while ((m = endpoint.recv()) != null) {
      endpoint.send(m);
    }
  }
}
