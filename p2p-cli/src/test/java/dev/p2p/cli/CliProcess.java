package dev.p2p.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code p2p} run as a user runs it: its own JVM ({@code java -cp <test classpath> dev.p2p.cli.Main
 * ...}), stdout and stderr captured, destroyed on close if still running.
 */
final class CliProcess implements AutoCloseable {
  private final Process process;
  private final Capture out;
  private final Capture err;
  private final String command;

  private CliProcess(Process process, String command) {
    this.process = process;
    this.command = command;
    this.out = new Capture(process.getInputStream(), "out");
    this.err = new Capture(process.getErrorStream(), "err");
  }

  /**
   * Starts {@code p2p args}; {@code env} is added to this JVM's environment (P2P_* keys of the
   * surrounding environment are removed first, so a developer's settings do not leak in).
   */
  static CliProcess start(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx512m");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("P2P_") || k.startsWith("SIMULATOR_P2P"));
    pb.environment().putAll(env);
    return new CliProcess(pb.start(), "p2p " + String.join(" ", args));
  }

  static CliProcess start(String... args) throws IOException {
    return start(Map.of(), args);
  }

  /** Writes {@code text} to the process's stdin and closes it. */
  CliProcess stdin(String text) throws IOException {
    try (OutputStream in = process.getOutputStream()) {
      in.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return this;
  }

  /** Waits for the process to end; fails the test if it does not within {@code timeout}. */
  int exitCode(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          command
              + " still running after "
              + timeout
              + "\nstdout:\n"
              + out()
              + "\nstderr:\n"
              + err());
    }
    out.join();
    err.join();
    return process.exitValue();
  }

  /** The first group of the first stdout line matching {@code regex}, waiting for it. */
  String awaitOut(String regex, Duration timeout) throws InterruptedException {
    Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(out());
      if (m.find()) {
        return m.groupCount() > 0 ? m.group(1) : m.group();
      }
      if (!process.isAlive() && out.done()) {
        break;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(
        command
            + ": no stdout line matching "
            + regex
            + "\nstdout:\n"
            + out()
            + "\nstderr:\n"
            + err());
  }

  /** The ticket a waiting side ({@code listen}, {@code send}) prints, waiting for it. */
  String awaitTicket(Duration timeout) throws InterruptedException {
    return awaitOut("^ticket +(p2p1\\S+)$", timeout);
  }

  /** Waits until {@code condition} holds, polling; fails the test after {@code timeout}. */
  static void await(BooleanSupplier condition, Duration timeout, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(5);
    }
  }

  String out() {
    return out.text();
  }

  String err() {
    return err.text();
  }

  /**
   * Asks the process to stop, as {@code kill} (SIGTERM) does. Through its handle: {@link
   * Process#destroy()} also closes our ends of its pipes, losing what it prints while it stops.
   */
  void terminate() {
    process.toHandle().destroy();
  }

  /** Ends the process at once, as {@code kill -9} would. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return command + "\nstdout:\n" + out() + "\nstderr:\n" + err();
  }

  /** Reads a stream on a daemon thread into a buffer. */
  private static final class Capture {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Thread thread;

    Capture(InputStream in, String name) {
      thread =
          new Thread(
              () -> {
                byte[] b = new byte[8192];
                int n;
                try {
                  while ((n = in.read(b)) > 0) {
                    synchronized (buffer) {
                      buffer.write(b, 0, n);
                    }
                  }
                } catch (IOException e) {
                  // the process ended
                }
              },
              "capture-" + name);
      thread.setDaemon(true);
      thread.start();
    }

    String text() {
      synchronized (buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
      }
    }

    boolean done() {
      return !thread.isAlive();
    }

    void join() throws InterruptedException {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    }
  }
}
