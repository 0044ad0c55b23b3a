package dev.p2p.benchmarks.link;

/**
 * One end of a measured connection inside a child process: whole messages, reliable and in order.
 * Blocking calls, each bounded by a timeout, since every child has one thread doing one thing.
 */
interface LinkEndpoint extends AutoCloseable {
  /** Returns once the message is accepted within bounded buffers (back-pressure). */
  void send(byte[] message) throws Exception;

  /** The next message, or null once the peer has closed the connection. */
  byte[] recv() throws Exception;

  /** Closes gracefully, waiting (bounded) until the peer has everything sent. */
  @Override
  void close() throws Exception;
}
