package dev.p2p.benchmarks.lab;

/**
 * One connection attempt of a pairing, as measured: times by the dialling child from its {@code
 * connect} call; packets and bytes by the routers' nftables counters (UDP between the two sides'
 * public addresses, both directions, from just before {@code connect} to the moment the path went
 * direct or the window ended); CPU by {@code /proc/PID/stat} of each child over the same window.
 *
 * @param outcome DIRECT, RELAYED or FAILED
 * @param connectMs {@code connect} to its future completing
 * @param firstMs {@code connect} to the echo of the first message
 * @param directMs {@code connect} to the path turning direct; -1 if it did not
 * @param udpPackets UDP packets between the sides' public addresses in the window
 * @param udpBytes their bytes, IP headers included
 * @param probePackets of those, the ones whose payload starts with 0x04 (the provider's probes)
 * @param probeBytes their bytes
 * @param diallerCpuMs CPU time of the dialling child in the window
 * @param listenerCpuMs CPU time of the listening child in the window
 * @param detail the dialler's END line (the final path, or the failure)
 */
record Attempt(
    String outcome,
    long connectMs,
    long firstMs,
    long directMs,
    long udpPackets,
    long udpBytes,
    long probePackets,
    long probeBytes,
    long diallerCpuMs,
    long listenerCpuMs,
    String detail) {

  boolean direct() {
    return outcome.equals("DIRECT");
  }

  boolean failed() {
    return outcome.equals("FAILED");
  }
}
