package dev.p2p.tunnel;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting in tests over real sockets: bounded, and a failed future throws its own exception. */
final class Futures {
  private Futures() {}

  static <T> T await(CompletableFuture<T> f) throws Exception {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
