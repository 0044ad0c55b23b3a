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
import java.util.Optional;
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

  private LabProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::pump, "lab-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code command} (an {@code ip netns exec NS ...} line, or any other), its error output
   * to {@code log}. For namespaces outside a {@link NatLab}, such as a benchmark's own; a lab's are
   * started by {@link NatLab#exec}.
   */
  public static LabProcess start(String name, List<String> command, Path log) throws IOException {
    Process p =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    return new LabProcess(name, p, log);
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

  /** The process id: with {@code ip netns exec}, the program's own (for /proc, strace). */
  public long pid() {
    return process.pid();
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
    Optional<String> earlier = unclaimed(prefix);
    if (earlier.isPresent()) {
      return earlier.get();
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

  /**
   * The rest of a line starting with {@code prefix} that an {@link #await} for another prefix has
   * already read past, claiming it; empty if there is none. Does not wait.
   */
  public synchronized Optional<String> unclaimed(String prefix) {
    for (int i = 0; i < unclaimed.size(); i++) {
      if (unclaimed.get(i).startsWith(prefix)) {
        return Optional.of(unclaimed.remove(i).substring(prefix.length()).strip());
      }
    }
    return Optional.empty();
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
