package dev.p2p.cli;

import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a server command running until SIGINT or SIGTERM (or for a bounded time), and closes the
 * server cleanly either way.
 *
 * <p>A signal runs the JVM's shutdown hooks and then exits with 128 + the signal number. A server
 * told to stop that stopped cleanly has succeeded, so after closing, the hook ends the process with
 * status 0 ({@link Runtime#halt}: exiting normally from inside a hook would block forever). The
 * commands register no other hooks that this could cut short.
 */
final class ServerLifetime {
  private final String name;
  private final Runnable close;
  private final PrintWriter out;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Object closeLock = new Object();
  private boolean closed;

  ServerLifetime(String name, Runnable close, PrintWriter out) {
    this.name = name;
    this.close = close;
    this.out = out;
  }

  /**
   * Returns after {@code seconds} (null: never; the process ends on a signal), having closed the
   * server.
   */
  void runUntilStopped(Long seconds) throws InterruptedException {
    Thread hook = new Thread(this::onSignal, name + "-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      if (seconds == null) {
        stopped.await();
      } else {
        stopped.await(seconds, TimeUnit.SECONDS);
      }
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // shutting down already: the hook closes the server
      }
      closeOnce("stopped after " + seconds + " s");
    }
  }

  private void onSignal() {
    closeOnce("stopped");
    stopped.countDown();
    Runtime.getRuntime().halt(0);
  }

  private void closeOnce(String why) {
    synchronized (closeLock) {
      if (closed) {
        return;
      }
      closed = true;
      close.run();
      out.printf("%-10s %s%n", name, why);
      out.flush();
    }
  }
}
