package dev.p2p.quic.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A peer in its own JVM, started with this test JVM's class path: the only way to test what a
 * process exit or a SIGKILL does to the other side. Its stdout lines are collected for the test.
 */
public final class PeerProcess implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private final List<String> all = new ArrayList<>();

  private PeerProcess(Process process) {
    this.process = process;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  synchronized (all) {
                    all.add(line);
                  }
                  lines.add(line);
                }
              } catch (IOException e) {
                lines.add("READ FAILED " + e);
              }
            },
            "peer-process-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /** Runs {@code main} with {@code args}; {@code env} adds settings to the child's environment. */
  public static PeerProcess start(Class<?> main, Map<String, String> env, String... args)
      throws IOException {
    Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>();
    command.add(java.toString());
    command.add("-Xmx256m");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(main.getName());
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(env);
    return new PeerProcess(pb.start());
  }

  /** The next stdout line starting with {@code prefix}; fails after {@code seconds}. */
  public String awaitLine(String prefix, long seconds) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      long left = deadline - System.nanoTime();
      String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError(
            "no line starting with '" + prefix + "' within " + seconds + " s; output: " + output());
      }
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length()).strip();
      }
    }
  }

  /** Waits for a normal exit and returns the exit code; fails after {@code seconds}. */
  public int awaitExit(long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("process still running after " + seconds + " s: " + output());
    }
    return process.exitValue();
  }

  /** SIGKILL: the peer vanishes without a word. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public String output() {
    synchronized (all) {
      return String.join("\n", all);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
