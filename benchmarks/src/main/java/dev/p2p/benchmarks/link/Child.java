package dev.p2p.benchmarks.link;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A process the benchmark started inside a namespace ({@code ip netns exec NS ...}, which execs the
 * command in place, so the process id is the program's own). Its standard output is a line protocol
 * read by {@link #await}; its error output goes to a log file shown when it fails.
 */
final class Child implements AutoCloseable {
  private static final long CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux
  private static final String EOF = "\u0000eof";

  final String name;
  private final Process process;
  private final Path log;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();

  private Child(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    Thread reader = new Thread(this::pump, "child-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  static Child start(String name, String namespace, List<String> command, Path logDir)
      throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(command);
    Path log = logDir.resolve(name + ".log");
    Process p =
        new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.to(log.toFile())).start();
    return new Child(name, p, log);
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
      // the process died; EOF below says so
    }
    lines.add(EOF);
  }

  /**
   * The first line starting with {@code prefix} (earlier lines are kept for the log).
   *
   * @throws TimeoutException if none arrives in time
   * @throws IOException if the process ended first, with the tail of its log
   */
  String await(String prefix, long timeout, TimeUnit unit)
      throws IOException, TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new TimeoutException(
            name + " sent no '" + prefix + "' within " + timeout + " " + unit + logTail());
      }
      if (line.equals(EOF)) {
        lines.add(EOF);
        throw new IOException(name + " ended before '" + prefix + "'" + logTail());
      }
      seen.add(line);
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).strip();
      }
    }
  }

  /** The rest of the last line seen by {@link #await} that started with {@code prefix}, or null. */
  String seen(String prefix) {
    for (int i = seen.size() - 1; i >= 0; i--) {
      if (seen.get(i).startsWith(prefix)) {
        return seen.get(i).substring(prefix.length()).strip();
      }
    }
    return null;
  }

  /** User + system CPU time of the whole process so far, in nanoseconds; -1 once it has ended. */
  long cpuNanos() {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
      // Fields after the command name (which may hold spaces) start after the last ')'.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
      return ticks * (1_000_000_000L / CLOCK_TICKS_PER_SECOND);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  long pid() {
    return process.pid();
  }

  /** Waits for the process to exit; false if it did not in time. */
  boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return process.waitFor(timeout, unit);
  }

  int exitValue() {
    return process.exitValue();
  }

  String logTail() {
    try {
      List<String> all = Files.readAllLines(log);
      return "\n  --- "
          + log
          + " (last lines) ---\n  "
          + String.join("\n  ", all.subList(Math.max(0, all.size() - 15), all.size()));
    } catch (IOException e) {
      return " (no log: " + e.getMessage() + ")";
    }
  }

  /** Ends the process: politely, then forcibly. */
  @Override
  public void close() {
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
