package dev.p2p.testkit.lab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process running inside a lab namespace ({@code ip netns exec}, which execs in place, so this is
 * the program itself). Its standard output is a line protocol read by {@link #await}; its error
 * output goes to a log file quoted when it fails. Its standard input stays open: a child that exits
 * when it reads end-of-file therefore dies with the test JVM, however that ends.
 */
public final class LabProcess implements AutoCloseable {
  private static final String EOF = "\u0000eof";

  private final String name;
  private final Process process;
  private final Path log;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  /** Lines read by {@link #await} that matched another prefix, kept for later calls. */
  private final List<String> unclaimed = new ArrayList<>();

  LabProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::pump, "lab-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  private void pump() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the process ended; EOF below says so
    }
    lines.add(EOF);
  }

  public String name() {
    return name;
  }

  /** Writes one line to the process's standard input. */
  public void send(String line) throws IOException {
    synchronized (process) { // not this: an await in progress must not hold up a command
      OutputStream in = process.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
  }

  /**
   * The rest of the first line starting with {@code prefix}; lines that do not match stay for later
   * calls (so several exchanges can be awaited in any order).
   *
   * @throws TimeoutException if none arrives in time, with the tail of the log
   * @throws IOException if the process ended first, with the tail of the log
   */
  public synchronized String await(String prefix, Duration timeout)
      throws IOException, TimeoutException, InterruptedException {
    for (int i = 0; i < unclaimed.size(); i++) {
      if (unclaimed.get(i).startsWith(prefix)) {
        return unclaimed.remove(i).substring(prefix.length()).strip();
      }
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new TimeoutException(
            name + " printed no '" + prefix + "' within " + timeout + logTail());
      }
      if (line.equals(EOF)) {
        lines.add(EOF);
        throw new IOException(name + " ended before printing '" + prefix + "'" + logTail());
      }
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).strip();
      }
      if (unclaimed.size() < 10_000) {
        unclaimed.add(line);
      }
    }
  }

  /** Waits for the exit; false if it did not in time. */
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** The last lines of the error log, for failure messages. */
  public String logTail() {
    try {
      List<String> all = Files.readAllLines(log);
      return "\n  --- "
          + log
          + " (last lines) ---\n  "
          + String.join("\n  ", all.subList(Math.max(0, all.size() - 20), all.size()));
    } catch (IOException e) {
      return " (no log: " + e.getMessage() + ")";
    }
  }

  /** Ends the process: closing its input first, then politely, then forcibly. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
    } catch (IOException e) {
      // already gone
    }
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
