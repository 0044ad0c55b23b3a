package dev.p2p.benchmarks;

/** Both ends of one connection: {@code dialler} opened it, {@code acceptor} accepted it. */
record BenchPair(BenchEndpoint dialler, BenchEndpoint acceptor) implements AutoCloseable {
  @Override
  public void close() {
    dialler.close();
    acceptor.close();
  }
}
