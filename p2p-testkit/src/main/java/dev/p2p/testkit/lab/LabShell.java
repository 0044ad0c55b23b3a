package dev.p2p.testkit.lab;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Short commands (ip, nft) with a time limit; output goes to a file so no pipe can fill up. */
final class LabShell {
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(20);

  private LabShell() {}

  /** The executable's absolute path, from PATH or the sbin directories root's PATH usually has. */
  static Optional<String> find(String tool) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
    for (String d : dirs) {
      Path p = Path.of(d.isEmpty() ? "." : d, tool);
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }

  static String run(List<String> command) throws IOException {
    return run(command, null);
  }

  /**
   * Runs {@code command}, feeding it {@code stdin} if given.
   *
   * @return its output (standard output and error together)
   * @throws IOException if it fails, exits non-zero or outlives {@link #COMMAND_TIMEOUT}, with its
   *     output
   */
  static String run(List<String> command, String stdin) throws IOException {
    Path out = Files.createTempFile("p2pnat-cmd", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .redirectInput(
                  stdin == null
                      ? ProcessBuilder.Redirect.from(new File("/dev/null"))
                      : ProcessBuilder.Redirect.PIPE)
              .start();
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      boolean exited;
      try {
        exited = p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
        throw new IOException("interrupted running " + String.join(" ", command), e);
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (!exited) {
        p.destroyForcibly();
        throw new IOException(
            String.join(" ", command)
                + " did not finish in "
                + COMMAND_TIMEOUT
                + ": "
                + text.strip());
      }
      if (p.exitValue() != 0) {
        throw new IOException(
            String.join(" ", command) + " exited with " + p.exitValue() + ": " + text.strip());
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
