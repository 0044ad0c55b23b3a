package dev.p2p.cli;

import dev.p2p.api.P2PConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The sender's side of what the receiver says while a transfer runs, read on its own thread so that
 * an early ABORT or a vanished peer stops the sender at once. It ends with the verdict, or with the
 * reason there will be none.
 */
final class ReplyReader implements AutoCloseable {
  private final P2PConnection conn;
  private final LongConsumer onProgress;
  private final Consumer<Wire.Line> onEcho;
  private final CompletableFuture<Wire.Verdict> verdict = new CompletableFuture<>();
  private final AtomicLong confirmed = new AtomicLong();
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile boolean stopped;
  private final Thread thread;

  ReplyReader(P2PConnection conn, LongConsumer onProgress, Consumer<Wire.Line> onEcho) {
    this.conn = conn;
    this.onProgress = onProgress;
    this.onEcho = onEcho;
    this.thread = new Thread(this::run, "p2p-replies");
    thread.setDaemon(true);
  }

  ReplyReader start() {
    thread.start();
    return this;
  }

  /**
   * Completes with the receiver's verdict, or exceptionally with {@link TransferFailedException}
   * (the receiver aborted or broke the protocol) or the transport's exception (it vanished).
   */
  CompletableFuture<Wire.Verdict> verdict() {
    return verdict;
  }

  /** Bytes the receiver has said it wrote. */
  long confirmed() {
    return confirmed.get();
  }

  /** When the receiver last sent anything, on the {@link System#nanoTime} clock. */
  long lastHeardNanos() {
    return lastHeardNanos;
  }

  private void run() {
    try {
      while (!verdict.isDone()) {
        byte[] m = next();
        if (m == null) {
          return; // stopped
        }
        lastHeardNanos = System.nanoTime();
        Wire.Msg msg = Wire.decode(m);
        if (msg instanceof Wire.Progress p) {
          confirmed.set(p.bytes());
          onProgress.accept(p.bytes());
        } else if (msg instanceof Wire.Line line) {
          onEcho.accept(line);
        } else if (msg instanceof Wire.Verdict v) {
          confirmed.set(v.bytes());
          verdict.complete(v);
        } else if (msg instanceof Wire.Abort a) {
          verdict.completeExceptionally(
              new TransferFailedException("the receiver stopped the transfer: " + a.reason()));
        } else {
          verdict.completeExceptionally(
              new TransferFailedException(
                  "the receiver sent an unexpected " + Wire.typeName(msg) + " message"));
        }
      }
    } catch (Wire.MalformedException e) {
      verdict.completeExceptionally(
          new TransferFailedException("the receiver broke the protocol: " + e.getMessage()));
    } catch (ExecutionException e) {
      verdict.completeExceptionally(e.getCause());
    } catch (InterruptedException e) {
      verdict.completeExceptionally(e);
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      verdict.completeExceptionally(e);
    }
  }

  /**
   * The next message, waiting in slices on one pending {@code recv} (never abandoning it, so no
   * message is lost to a timed-out future), or null once {@link #close} was called.
   */
  private byte[] next() throws ExecutionException, InterruptedException {
    CompletableFuture<byte[]> f = conn.recv();
    while (!stopped) {
      try {
        return f.get(200, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // still waiting: the provider's idle timeout ends a vanished peer
      }
    }
    return null;
  }

  @Override
  public void close() {
    stopped = true;
  }
}
