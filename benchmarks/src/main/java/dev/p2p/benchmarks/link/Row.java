package dev.p2p.benchmarks.link;

/**
 * One measured transport: receiver's rate (first to last byte of the measured volume), CPU seconds
 * per GiB moved for each process, and the 64-byte round trip where measured. NaN: not measured.
 */
record Row(
    String name,
    double megabytesPerSecond,
    double senderCpuPerGiB,
    double receiverCpuPerGiB,
    double serverCpuPerGiB,
    double rttP50Micros,
    double rttP99Micros,
    String note) {

  static Row failed(String name, String why) {
    return new Row(
        name, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, why);
  }

  Row withNote(String more) {
    String n = note.isEmpty() ? more : note + "; " + more;
    return new Row(
        name,
        megabytesPerSecond,
        senderCpuPerGiB,
        receiverCpuPerGiB,
        serverCpuPerGiB,
        rttP50Micros,
        rttP99Micros,
        n);
  }
}
