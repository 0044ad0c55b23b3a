package dev.p2p.benchmarks.link;

import dev.p2p.testkit.lab.LabProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * {@code strace -c -f} attached to a child for the measured volume only: system calls per MiB moved
 * (packets per send, wake-ups per packet). strace slows the process, so a run with it measures
 * where the calls go, not the rate.
 */
final class SyscallCount {
  private static final List<String> SHOWN =
      List.of(
          "sendmsg",
          "sendmmsg",
          "sendto",
          "write",
          "writev",
          "recvmsg",
          "recvmmsg",
          "recvfrom",
          "read",
          "epoll_wait",
          "epoll_pwait",
          "futex");

  private final Process strace;
  private final Path out;
  private final String name;

  private SyscallCount(String name, Process strace, Path out) {
    this.name = name;
    this.strace = strace;
    this.out = out;
  }

  static SyscallCount attach(LabProcess child, Path logDir) throws IOException {
    Path out = logDir.resolve(child.name() + ".strace");
    Process p =
        new ProcessBuilder(
                "strace", "-c", "-f", "-o", out.toString(), "-p", Long.toString(child.pid()))
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve(child.name() + ".strace.log").toFile())
            .start();
    return new SyscallCount(child.name(), p, out);
  }

  /** Detaches and returns one line: calls per MiB of the busiest shown system calls. */
  String detach(long bytes) throws IOException, InterruptedException {
    strace.destroy(); // SIGTERM: strace detaches and writes its summary
    if (!strace.waitFor(20, TimeUnit.SECONDS)) {
      strace.destroyForcibly();
      return name + ": strace did not finish";
    }
    double mib = bytes / (double) (1 << 20);
    List<String> parts = new ArrayList<>();
    for (String line : Files.readAllLines(out)) {
      String[] f = line.strip().split("\\s+");
      // % time, seconds, usecs/call, calls, [errors], syscall
      if (f.length >= 5 && SHOWN.contains(f[f.length - 1])) {
        int calls = Integer.parseInt(f[3]);
        parts.add(String.format(Locale.ROOT, "%s %.1f", f[f.length - 1], calls / mib));
      }
    }
    return name + " calls/MiB: " + String.join(", ", parts);
  }
}
